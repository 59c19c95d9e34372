import { addDays as addDaysFns, differenceInCalendarDays, format, isValid, parseISO } from "date-fns";
import { addDays, daysBetween, isBusinessDate } from "./dates.ts";
const RE = /^\d{4}-\d{2}-\d{2}$/;
const oldIs = (v: string) => RE.test(v) && isValid(parseISO(v)) && format(parseISO(v), "yyyy-MM-dd") === v;
const oldAdd = (d: string, n: number) => format(addDaysFns(parseISO(d), n), "yyyy-MM-dd");
const oldBetween = (a: string, b: string) => differenceInCalendarDays(parseISO(b), parseISO(a));
let bad = 0;
for (let y = 1000; y <= 9999; y += 7) for (let m = 0; m <= 13; m++) for (let d = 0; d <= 32; d++) {
  const v = `${String(y).padStart(4,"0")}-${String(m).padStart(2,"0")}-${String(d).padStart(2,"0")}`;
  if (oldIs(v) !== isBusinessDate(v)) { bad++; if (bad < 5) console.log("is", v, oldIs(v)); }
  if (isBusinessDate(v) && y < 9990) for (const n of [-400, -31, -1, 1, 29, 366, 1000]) {
    if (oldAdd(v, n) !== addDays(v, n)) { bad++; if (bad < 5) console.log("add", v, n); }
    const w = addDays(v, n); if (oldBetween(v, w) !== daysBetween(v, w)) { bad++; if (bad < 5) console.log("between", v, w); }
  }
}
console.log(process.env.TZ, "mismatches", bad);
