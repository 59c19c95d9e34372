import type { SubscriptionOutput } from "@holdfast/domain";
import { lazy, Suspense, useState } from "react";
import { ErrorBanner } from "../components/error-banner.tsx";
import { ListStates, LoadMore } from "../components/paged-list.tsx";
import { StatusBadge } from "../components/subscription-badges.tsx";
import { TableScroll } from "../components/table-scroll.tsx";
import { formatMoney } from "../money.ts";
import { useCan } from "../session.tsx";
import { type InvoiceOutput, useInvoicePages } from "../subscriptions.ts";

// The dialog carries zod, react-hook-form and the API's input schemas: loaded when first opened.
const RecordPaymentDialog = lazy(() =>
  import("./record-payment-dialog.tsx").then((m) => ({ default: m.RecordPaymentDialog })),
);

/** A subscription's invoices, a page at a time, each open one with its "Record payment". */
export function InvoicesCard({ sub, onPaid }: { sub: SubscriptionOutput; onPaid: (text: string) => void }) {
  const invoices = useInvoicePages(sub.locator);
  const canWrite = useCan("subscriptions:write");
  const [paying, setPaying] = useState<InvoiceOutput | null>(null);
  const items = invoices.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section aria-labelledby="invoices-title" className="card">
      <h2 id="invoices-title">Invoices</h2>
      <ErrorBanner error={invoices.error} />
      <ListStates pages={invoices} count={items.length} loading="Loading invoices…" emptyTestId="invoices-empty" card>
        No invoices yet: the worker issues one on each billing date of an effective subscription.
      </ListStates>
      {items.length > 0 && (
        <TableScroll label="Invoices">
          <table className="stack" aria-busy={invoices.isFetching}>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Period</th>
                <th scope="col" className="amount">
                  Periods
                </th>
                <th scope="col" className="amount">
                  Amount
                </th>
                <th scope="col" className="amount">
                  Paid
                </th>
                <th scope="col">Issued</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
                {canWrite && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {items.map((inv) => (
                <tr key={inv.locator} data-testid="invoice-row" data-locator={inv.locator}>
                  <td className="mono" title={inv.locator} data-label="Number">
                    {inv.number}
                  </td>
                  <td className="nowrap" data-label="Period">
                    {inv.periodStart} – {inv.periodEnd}
                  </td>
                  <td className="amount" data-label="Periods">
                    {inv.periods}
                  </td>
                  <td className="amount" data-label="Amount">
                    {formatMoney(inv.amountMinor, inv.currency)}
                  </td>
                  <td className="amount" data-label="Paid">
                    {formatMoney(inv.paidMinor, inv.currency)}
                  </td>
                  <td className="nowrap" data-label="Issued">
                    {inv.issuedOn}
                  </td>
                  <td className="nowrap" data-label="Due">
                    {inv.dueOn}
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={inv.status} testId="invoice-status" />
                    {inv.paidOn && <span className="muted small"> {inv.paidOn}</span>}
                  </td>
                  {canWrite && (
                    <td>
                      {inv.status === "open" && (
                        <button
                          type="button"
                          className="small"
                          onClick={() => setPaying(inv)}
                          aria-label={`Record payment for ${inv.number}`}
                        >
                          Record payment
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <LoadMore pages={invoices} label="Load more invoices" />
      {paying && (
        <Suspense fallback={null}>
          <RecordPaymentDialog
            invoice={paying}
            subscriptionLocator={sub.locator}
            onClose={() => setPaying(null)}
            onDone={(text) => {
              setPaying(null);
              onPaid(text);
            }}
          />
        </Suspense>
      )}
    </section>
  );
}
