/**
 * The routing preview form: its values (strings from inputs) are turned into
 * a `previewRouteInput` and parsed by that very schema, so the form refuses
 * what the server would, at the same paths (`orderItem.serviceId`,
 * `reservation.companyRelation`, …), which are also the form's field names.
 */
import { businessDateAt, ORDER_ITEM_TYPES, previewRouteInput } from "@holdfast/domain";
import { z } from "zod";
import { getDisplayZone } from "../format.ts";

const orNull = (s: string): string | null => (s.trim() === "" ? null : s.trim());

const routePreviewShape = z.object({
  orderItem: z.object({
    serviceId: z.string(),
    itemType: z.enum(ORDER_ITEM_TYPES),
    rateId: z.string(),
    productId: z.string(),
    productCategoryId: z.string(),
    accountingCategoryId: z.string(),
    consumptionDate: z.string(),
  }),
  reservation: z.object({
    id: z.string(),
    ownerId: z.string(),
    companyId: z.string(),
    companyRelation: z.enum(["", "partnerCompany", "travelAgency"]),
    reservationGroupId: z.string(),
    prepaid: z.boolean(),
  }),
  processingDate: z.string(),
});
export type RoutePreviewFormValues = z.input<typeof routePreviewShape>;

export const routePreviewForm = routePreviewShape
  .transform(
    (v): z.input<typeof previewRouteInput> => ({
      orderItem: {
        serviceId: v.orderItem.serviceId.trim(),
        itemType: v.orderItem.itemType,
        rateId: orNull(v.orderItem.rateId),
        productId: orNull(v.orderItem.productId),
        productCategoryId: orNull(v.orderItem.productCategoryId),
        accountingCategoryId: orNull(v.orderItem.accountingCategoryId),
        consumptionDate: v.orderItem.consumptionDate,
      },
      reservation: {
        id: v.reservation.id.trim(),
        ownerId: v.reservation.ownerId.trim(),
        companyId: orNull(v.reservation.companyId),
        companyRelation: v.reservation.companyRelation === "" ? null : v.reservation.companyRelation,
        reservationGroupId: orNull(v.reservation.reservationGroupId),
        prepaid: v.reservation.prepaid,
      },
      ...(v.processingDate.trim() ? { processingDate: v.processingDate.trim() } : {}),
    }),
  )
  .pipe(previewRouteInput);
export type RoutePreviewInput = z.output<typeof routePreviewForm>;

/** Today in the tenant's zone, as a business date (the server's "today" for the tenant). */
function localToday(): string {
  return businessDateAt(new Date(), getDisplayZone());
}

export function routePreviewDefaults(): RoutePreviewFormValues {
  return {
    orderItem: {
      serviceId: "",
      itemType: "SpaceOrder",
      rateId: "",
      productId: "",
      productCategoryId: "",
      accountingCategoryId: "",
      consumptionDate: localToday(),
    },
    reservation: {
      id: "",
      ownerId: "",
      companyId: "",
      companyRelation: "",
      reservationGroupId: "",
      prepaid: false,
    },
    processingDate: "",
  };
}
