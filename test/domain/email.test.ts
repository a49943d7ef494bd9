import { describe, expect, it } from 'vitest';
import { isEmail } from '../../src/domain/email.js';

describe('isEmail', () => {
  it('accepts one plain address and nothing else', () => {
    expect(isEmail('ops@contoso.example.com')).toBe(true);
    for (const text of ['ops', 'ops@localhost', 'a b@example.com', 'a@b@example.com', '<a@example.com>', 'a@example.com;b@example.com', '']) expect(isEmail(text)).toBe(false);
    expect(isEmail(`${'a'.repeat(243)}@example.com`)).toBe(false);
    expect(isEmail(`${'a'.repeat(242)}@example.com`)).toBe(true);
  });
});
