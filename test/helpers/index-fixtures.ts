// Tables for index tests: several fragments, nulls, deletions, and the
// scalar types indexes are asked for (ints, floats, strings, dates, timestamps).

import { DateDay, Float64, Int32, Int64, Table, TimestampMicrosecond, Utf8, vectorFromArray } from "apache-arrow";

export function indexTable(n: number, start = 0): Table {
  const ids = Array.from({ length: n }, (_, i) => start + i);
  const nul = <T>(i: number, v: T): T | null => (i % 17 === 5 ? null : v);
  return new Table({
    id: vectorFromArray(ids.map((i) => BigInt(i)), new Int64()),
    num: vectorFromArray(ids.map((i) => nul(i, (i * 7919) % 1000 - 500)), new Int32()),
    price: vectorFromArray(ids.map((i) => nul(i, ((i * 37) % 1000) / 8)), new Float64()),
    name: vectorFromArray(ids.map((i) => nul(i, `name-${String((i * 31) % 500).padStart(4, "0")}`)), new Utf8()),
    category: vectorFromArray(ids.map((i) => nul(i, `c${i % 7}`)), new Utf8()),
    day: vectorFromArray(ids.map((i) => nul(i, new Date(Date.UTC(2021, 0, 1) + (i % 400) * 86_400_000))), new DateDay()),
    ts: vectorFromArray(ids.map((i) => nul(i, 1_600_000_000_000 + (i % 900) * 60_000)), new TimestampMicrosecond()),
  });
}

/** Filters exercising every operator on every indexed type. */
export const FILTERS: Record<string, string[]> = {
  id: ["id = 77", "id < 100", "id <= 100", "id > 4900", "id >= 4900", "id BETWEEN 1000 AND 1010", "id IN (1, 5, 4999, 123456)", "id IS NULL", "id IS NOT NULL"],
  num: ["num = 3", "num < -490", "num <= -490", "num > 495", "num >= 495", "num BETWEEN 0 AND 5", "num IN (1, 2, 3)", "num IS NULL", "num IS NOT NULL"],
  price: ["price = 12.5", "price < 1", "price <= 1", "price > 124", "price >= 124", "price BETWEEN 10 AND 11", "price IN (0.125, 12.5)", "price IS NULL", "price IS NOT NULL"],
  name: ["name = 'name-0007'", "name < 'name-0005'", "name <= 'name-0005'", "name > 'name-0495'", "name >= 'name-0495'", "name BETWEEN 'name-0100' AND 'name-0105'", "name IN ('name-0001', 'name-0499', 'zzz')", "name IS NULL", "name IS NOT NULL"],
  category: ["category = 'c3'", "category < 'c1'", "category <= 'c1'", "category > 'c5'", "category >= 'c5'", "category BETWEEN 'c2' AND 'c3'", "category IN ('c0', 'c6')", "category IS NULL", "category IS NOT NULL"],
  day: ["day = DATE '2021-01-05'", "day < DATE '2021-01-03'", "day <= DATE '2021-01-03'", "day > DATE '2022-02-01'", "day >= DATE '2022-02-01'", "day BETWEEN DATE '2021-03-01' AND DATE '2021-03-03'", "day IN (DATE '2021-01-01', DATE '2021-06-01')", "day IS NULL", "day IS NOT NULL"],
  ts: ["ts = TIMESTAMP '2020-09-13 12:26:40'", "ts < TIMESTAMP '2020-09-13 12:30:00'", "ts <= TIMESTAMP '2020-09-13 12:30:00'", "ts > TIMESTAMP '2020-09-14 02:00:00'", "ts >= TIMESTAMP '2020-09-14 02:00:00'", "ts BETWEEN TIMESTAMP '2020-09-13 13:00:00' AND TIMESTAMP '2020-09-13 13:05:00'", "ts IN (TIMESTAMP '2020-09-13 12:26:40')", "ts IS NULL", "ts IS NOT NULL"],
};
