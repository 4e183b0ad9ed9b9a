const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const shell = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
  `<body style="font-family:sans-serif;max-width:40em;margin:4em auto"><h1>${escape(title)}</h1>${body}</body></html>`;

/** A short page that says what happened and what to do. */
export const messagePage = (title: string, text: string) => shell(title, `<p>${escape(text)}</p>`);

/**
 * Xero authorised several organisations: one form, one radio button each (tenant name and id), posted
 * to /connect/xero/choose with the signed choice (which also stands in for a CSRF token).
 */
export function tenantChooserPage(name: string, choice: string, tenants: { tenantId: string; tenantName: string }[], current: string | null): string {
  const options = tenants
    .map((t, i) => {
      const checked = (current ? t.tenantId === current : i === 0) ? ' checked' : '';
      return `<p><label><input type="radio" name="tenantId" value="${escape(t.tenantId)}"${checked}> ${escape(t.tenantName)} <small>(${escape(t.tenantId)})</small></label></p>`;
    })
    .join('');
  return shell(
    'Choose the Xero organisation',
    `<p>Xero authorised several organisations. Which one does "${escape(name)}" book into?</p>` +
      `<form method="post" action="/connect/xero/choose"><input type="hidden" name="choice" value="${escape(choice)}">${options}<p><button type="submit">Connect</button></p></form>`,
  );
}
