import { allocatePayment, type AllocationTarget } from '../../domain/payment-allocation';
import { schedulePaymentPlan, splitAccountPlan } from '../../domain/payment-plan';

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

describe('one payment plan over several invoices', () => {
  test('the installments of the total are split over the invoices oldest due date first, on the same dates', () => {
    const installments = schedulePaymentPlan(15_000, 3, '2027-05-01', 30);
    expect(installments.map((i) => i.amountCents)).toEqual([5_000, 5_000, 5_000]);
    const [oldest, newer] = splitAccountPlan(installments, [7_000, 8_000]);
    expect(oldest).toEqual([
      { dueDate: '2027-05-01', amountCents: 5_000 },
      { dueDate: '2027-05-31', amountCents: 2_000 },
    ]);
    expect(newer).toEqual([
      { dueDate: '2027-05-31', amountCents: 3_000 },
      { dueDate: '2027-06-30', amountCents: 5_000 },
    ]);
  });

  test('every invoice’s plan adds up to what is due on it', () => {
    const dues = [1_234, 9_999, 1, 50_000];
    const plans = splitAccountPlan(schedulePaymentPlan(dues.reduce((a, b) => a + b, 0), 7, '2027-01-10', 30), dues);
    expect(plans.map((p) => p.reduce((sum, i) => sum + i.amountCents, 0))).toEqual(dues);
  });
});
