/** `smtp://user:secret@host` → `smtp://user:***@host`, for anything a person may read. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
    const user = auth.split(':')[0] ?? '';
    return `${scheme}${user ? `${user}:***` : '***'}@`;
  });
}

/** Hides the password of the SMTP URL in any text, in the forms it may appear in. */
export function secretRedactor(smtpUrl: string): (text: string) => string {
  const secrets: string[] = [];
  try {
    const password = new URL(smtpUrl).password;
    if (password) secrets.push(password, safeDecode(password));
  } catch {
    const auth = /^[a-z]+:\/\/[^:@/]*:([^@/]*)@/i.exec(smtpUrl);
    if (auth?.[1]) secrets.push(auth[1], safeDecode(auth[1]));
  }
  const ordered = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((acc, secret) => acc.split(secret).join('***'), text.split(smtpUrl).join(redactUrl(smtpUrl)));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
