"""The Tryton service's healthcheck (docker-compose.yml, profile tryton): trytond answers JSON-RPC.
A script rather than `python3 -c "…"`: podman's Docker API splits a healthcheck's arguments on spaces."""
import sys
import urllib.request

request = urllib.request.Request('http://127.0.0.1:8000/', data=b'{"id":0,"method":"common.server.version","params":[]}',
                                 headers={'content-type': 'application/json'})
try:
    urllib.request.urlopen(request, timeout=3).read()
except Exception as err:  # noqa: BLE001 - any failure is "unhealthy"
    print(err, file=sys.stderr)
    sys.exit(1)
