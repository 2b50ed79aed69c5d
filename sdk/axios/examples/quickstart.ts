// Quick start with openapi-generator's typescript-axios client, every request through a
// generated method: log in, register a person, open a case, check and record an allocation
// (the second time a typed 409 with its conflicts), download a report as CSV and XLSX and the
// minutes of a meeting as XLSX, and import an allocation list from an XLSX file.
//
//   HAMKKE_URL=http://127.0.0.1:8080 HAMKKE_USERNAME=demo.dong HAMKKE_PASSWORD=… \
//   HAMKKE_COORDINATOR_USERNAME=demo.coordinator HAMKKE_COORDINATOR_PASSWORD=… npm run example
import { readFileSync } from "node:fs";

import { isAxiosError } from "axios";
import {
  AllocationsApi,
  AuthApi,
  CasesApi,
  Configuration,
  MeetingsApi,
  PersonsApi,
  ReportsApi,
  type CreateAllocationRequest,
  type DuplicateBenefitProblem,
} from "../generated/index.js";

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`set ${name}`);
  return value;
};
const basePath = env("HAMKKE_URL", "http://127.0.0.1:8080");

/** A client configuration with the access token of `username`. */
async function login(username: string, password: string): Promise<Configuration> {
  const tokens = await new AuthApi(new Configuration({ basePath })).createToken({
    tokenRequest: { username, password },
  });
  return new Configuration({ basePath, accessToken: tokens.data.access_token });
}

/** A resident registration number for the given birth date (random serial, demo only). */
function demoRrn(birth: string, sex: "1" | "2"): string {
  const serial = Array.from({ length: 5 }, () => Math.floor(Math.random() * 10)).join("");
  const digits = `${birth.slice(2, 4)}${birth.slice(5, 7)}${birth.slice(8, 10)}${sex}${serial}`;
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  return `${digits.slice(0, 6)}-${digits.slice(6)}${(11 - (sum % 11)) % 10}`;
}

/** Bytes as axios hands them over in Node (a Buffer) or in a browser (an ArrayBuffer). */
const bytes = (data: unknown): Uint8Array =>
  data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data as Buffer);

const dong = await login(env("HAMKKE_USERNAME", "demo.dong"), env("HAMKKE_PASSWORD"));
const persons = new PersonsApi(dong);
const cases = new CasesApi(dong);
const allocations = new AllocationsApi(dong);

const birth = "1951-07-02";
const person = await persons.createPerson({
  createPersonRequest: {
    name: "박정희",
    birth_date: birth,
    rrn: demoRrn(birth, "2"),
    address: "서울 마포구 월드컵로 20",
  },
});
console.log(`registered person ${person.data.id}`);

const kase = await cases.createCase({
  createCaseRequest: {
    person_id: person.data.id,
    case_type: "general",
    risk_level: "high",
    source: "outreach",
    summary: "혼자 사는 어르신, 겨울 난방 걱정",
  },
});
console.log(`opened case ${kase.data.case_no} (Location: ${kase.headers["location"]})`);

// A heating resource the caller's organization may give (the TypeScript quick start adds one
// when the district has none; this one uses what is there).
const heating = await allocations.listResources({ category: "heating" });
const me = await new AuthApi(dong).getMe();
const resource = heating.data.items.find(
  (r) => r.provider_org_id == null || r.provider_org_id === me.data.organization.id,
);
if (!resource) throw new Error("no heating resource: run the TypeScript quick start first");

const allocation: CreateAllocationRequest = {
  resource_id: resource.id,
  person_id: person.data.id,
  case_id: kase.data.id,
  quantity: 1,
  granted_on: new Date().toISOString().slice(0, 10),
};
const check = await allocations.checkAllocation({ createAllocationRequest: allocation });
console.log(`check: allowed=${check.data.allowed} conflicts=${check.data.conflicts.length}`);
const recorded = await allocations.createAllocation({ createAllocationRequest: allocation });
console.log(`recorded allocation ${recorded.data.id}: ${recorded.data.status}`);

// The same benefit again: a typed 409 with the allocation it collides with.
try {
  await allocations.createAllocation({ createAllocationRequest: allocation });
  throw new Error("a second allocation of the same benefit was recorded");
} catch (e) {
  if (!isAxiosError(e) || e.response?.status !== 409) throw e;
  const problem = e.response.data as DuplicateBenefitProblem;
  if (problem.code !== "duplicate_benefit" || !problem.conflicts?.length) throw e;
  console.log(
    `refused: ${problem.code} under ${problem.rule}; conflicts with ${problem.conflicts[0]?.allocation_id}`,
  );
}

// Reports are the coordinators': a typed method per format, the purpose a typed parameter.
const coordinator = await login(
  env("HAMKKE_COORDINATOR_USERNAME", "demo.coordinator"),
  env("HAMKKE_COORDINATOR_PASSWORD"),
);
const reports = new ReportsApi(coordinator);
const csv = await reports.exportOverviewReportCsv({ xAccessPurpose: "audit" });
const firstLine = String(csv.data).replace(/^\uFEFF/, "").split("\n")[0];
if (firstLine?.trim() !== "구분,항목,건수,금액") throw new Error(`unexpected CSV: ${firstLine}`);
console.log(`overview CSV: ${String(csv.data).split("\n").length - 1} rows, ${csv.headers["content-disposition"]}`);
const xlsx = await reports.exportDuplicatesReportXlsx(
  { xAccessPurpose: "audit" },
  { responseType: "arraybuffer" },
);
const book = bytes(xlsx.data);
if (book[0] !== 0x50 || book[1] !== 0x4b) throw new Error("the XLSX is not a zip file");
console.log(`duplicates XLSX: ${book.length} bytes`);

// Minutes of a meeting the dong centre calls, as XLSX.
const meetings = new MeetingsApi(dong);
const meeting = await meetings.createMeeting({
  createMeetingRequest: {
    title: "12월 사정회의",
    kind: "assessment",
    scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
    case_ids: [kase.data.id],
  },
});
const minutes = await meetings.exportMeetingMinutesXlsx(
  { id: meeting.data.id },
  { responseType: "arraybuffer" },
);
console.log(`minutes XLSX: ${bytes(minutes.data).length} bytes`);

// An allocation list as an XLSX file (성명, 생년월일, 자원, 수량, 지급일: the person above and
// the heating resource), checked without recording (dry run): its one row is the benefit the
// person already received, or would be imported.
const list = readFileSync(new URL("../../examples/allocations.xlsx", import.meta.url));
const upload = new File([list], "연말배분.xlsx", {
  type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
});
const imported = await allocations.importAllocations({ file: upload, dryRun: true });
const r = imported.data;
console.log(
  `import (dry run, ${r.encoding}): ${r.imported} to import, ${r.duplicates.length} duplicates, ${r.errors.length} refused`,
);
if (r.imported + r.duplicates.length + r.errors.length + r.skipped !== 1) {
  throw new Error(`the list has one row: ${JSON.stringify(r)}`);
}
