"""trytond serving one request at a time: `serve.py <trytond.conf> <database>` (start.sh runs it).

Tryton's SQLite backend (the database of the tests and the compose demo) shares one connection between
the server's threads and begins a transaction only at its first write, so concurrent requests read a
sequence's next value together: moves created and posted at the same time got the same number and
post number (six concurrent posts were all numbered "1"). `trytond` serves with threads, which is right
for Tryton on PostgreSQL, not here; this is `trytond` without them.
"""
import signal
import sys

from trytond.config import config, split_netloc

config.update_etc(sys.argv[1])

from trytond.pool import Pool  # noqa: E402
from trytond.wsgi import app  # noqa: E402
from werkzeug.serving import run_simple  # noqa: E402

Pool.start()
for database in sys.argv[2:]:
    Pool(database).init()
# As a container's PID 1 (the compose service) SIGTERM has no default action: stop on it, not after the grace period.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
host, port = split_netloc(config.get('web', 'listen'))
run_simple(host, port, app, threaded=False)
