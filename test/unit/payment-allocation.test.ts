import { allocatePayment, type AllocationTarget } from '../../domain/payment-allocation';

const invoice = (invoiceId: string, dueDate: string, amountDueCents: number, open = true): AllocationTarget => ({ invoiceId, dueDate, amountDueCents, open });
const a = invoice('a', '2027-03-01', 10_000);
const b = invoice('b', '2027-01-15', 5_000);
const c = invoice('c', '2027-02-01', 2_500);

describe('allocating a payment over several invoices of an account', () => {
  test.each([
    ['pays the oldest due date first, whatever order the invoices were chosen in', 6_000, [a, b, c], [{ invoiceId: 'b', amountCents: 5_000, overpaidCents: 0 }, { invoiceId: 'c', amountCents: 1_000, overpaidCents: 0 }]],
    ['an amount that would overpay one invoice credits the rest to the next', 7_500, [c, b], [{ invoiceId: 'b', amountCents: 5_000, overpaidCents: 0 }, { invoiceId: 'c', amountCents: 2_500, overpaidCents: 0 }]],
    ['the whole account paid exactly: every invoice gets what is due on it', 17_500, [a, b, c], [{ invoiceId: 'b', amountCents: 5_000, overpaidCents: 0 }, { invoiceId: 'c', amountCents: 2_500, overpaidCents: 0 }, { invoiceId: 'a', amountCents: 10_000, overpaidCents: 0 }]],
    ['an overpaid account: the last invoice receives the rest as its overpayment', 18_000, [a, b, c], [{ invoiceId: 'b', amountCents: 5_000, overpaidCents: 0 }, { invoiceId: 'c', amountCents: 2_500, overpaidCents: 0 }, { invoiceId: 'a', amountCents: 10_500, overpaidCents: 500 }]],
    ['an invoice no longer open receives nothing; the overpayment goes to the last open one', 9_000, [invoice('b', '2027-01-15', 0, false), c, invoice('a', '2027-03-01', 0, false)], [{ invoiceId: 'c', amountCents: 9_000, overpaidCents: 6_500 }]],
    ['the same due date keeps the chosen order', 3_000, [invoice('y', '2027-01-01', 2_000), invoice('x', '2027-01-01', 2_000)], [{ invoiceId: 'y', amountCents: 2_000, overpaidCents: 0 }, { invoiceId: 'x', amountCents: 1_000, overpaidCents: 0 }]],
  ])('%s', (_what, amount, targets, shares) => {
    const allocated = allocatePayment(amount, targets);
    expect(allocated).toEqual(shares);
    expect(allocated!.reduce((sum, s) => sum + s.amountCents, 0)).toBe(amount);
  });

  test('no open invoice: nothing is allocated (the payment is refused, not lost in a closed invoice)', () => {
    expect(allocatePayment(1_000, [invoice('a', '2027-01-01', 0, false)])).toBeNull();
  });
});
