/** One plain email address, as the files, the policy and the mail headers accept it. */
const EMAIL = /^[^\s@<>(),;:"\\]+@[^\s@<>(),;:"\\]+\.[^\s@<>(),;:"\\]+$/;

export function isEmail(text: string): boolean {
  return EMAIL.test(text) && text.length <= 254;
}
