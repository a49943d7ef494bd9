/**
 * Runs `a` and `b` for one round of a comparison, `a` first in even rounds and `b` first in odd
 * ones, so that neither side is always measured on a warmer (or busier) machine than the other.
 */
export async function inTurn<A, B>(round: number, a: () => A | Promise<A>, b: () => B | Promise<B>): Promise<[A, B]> {
  if (round % 2 === 0) {
    const first = await a();
    return [first, await b()];
  }
  const second = await b();
  return [await a(), second];
}
