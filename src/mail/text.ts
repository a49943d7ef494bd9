/** CSV data may hold line breaks and control characters; none of them may shape a notice. */
export function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f\u0085\u2028\u2029]+/g, ' ').trim();
}

export function subjectLine(text: string): string {
  return oneLine(text).replace(/ {2,}/g, ' ');
}
