import { invoiceOutput, listInvoicesInput, recordPaymentInput } from "@holdfast/domain";
import { listInvoices, recordPayment } from "@holdfast/services";
import { router, scopedProcedure } from "../trpc.ts";
import { page } from "./subscriptions.ts";

export const invoicesRouter = router({
  list: scopedProcedure("subscriptions:read")
    .input(listInvoicesInput)
    .output(page(invoiceOutput))
    .query(({ ctx, input }) => listInvoices(ctx.service, input)),
  recordPayment: scopedProcedure("subscriptions:write")
    .input(recordPaymentInput)
    .output(invoiceOutput)
    .mutation(({ ctx, input }) => recordPayment(ctx.service, input)),
});
