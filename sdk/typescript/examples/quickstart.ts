// Quick start: log in, register a person, open a case, check and record an allocation, and
// print the case timeline.
//
//   HAMKKE_URL=http://127.0.0.1:8080 HAMKKE_USERNAME=demo.dong HAMKKE_PASSWORD=… npm run example
import { ApiError, login, type Schemas } from "../src/index.js";

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`set ${name}`);
  return value;
};

/** A resident registration number for the given birth date (random serial, demo only). */
function demoRrn(birth: string, sex: "1" | "2"): string {
  const serial = Array.from({ length: 5 }, () => Math.floor(Math.random() * 10)).join("");
  const digits = `${birth.slice(2, 4)}${birth.slice(5, 7)}${birth.slice(8, 10)}${sex}${serial}`;
  const weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(digits[i]), 0);
  return `${digits.slice(0, 6)}-${digits.slice(6)}${(11 - (sum % 11)) % 10}`;
}

const api = await login(
  env("HAMKKE_URL", "http://127.0.0.1:8080"),
  env("HAMKKE_USERNAME", "demo.dong"),
  env("HAMKKE_PASSWORD"),
  "case_management",
);

const { data: me } = await api.GET("/api/v1/me");
console.log(`logged in as ${me?.user.username} (${me?.user.role}, ${me?.organization.name})`);

const birth = "1948-03-15";
const person = await api.POST("/api/v1/persons", {
  body: { name: "김순자", birth_date: birth, rrn: demoRrn(birth, "2"), address: "서울 마포구 공덕로 10" },
});
if (!person.data) throw new ApiError(person.response.status, person.error);
console.log(`registered person ${person.data.id} (${person.data.rrn_masked ?? "no RRN"})`);

const kase = await api.POST("/api/v1/cases", {
  body: {
    person_id: person.data.id,
    case_type: "general",
    risk_level: "high",
    source: "outreach",
    summary: "혼자 사는 어르신, 난방비 체납",
  },
});
if (!kase.data) throw new ApiError(kase.response.status, kase.error);
console.log(`opened case ${kase.data.case_no}`);

// Our organization's heating-oil resource, added to the catalogue on first use under the
// district's benefit type `heating_oil` (its duplicate policy: once per household per winter,
// counted with briquettes, whoever gives it). Other organizations' resources are listed too:
// we give only what we provide — ours, or one whose provider is whoever records it (none set).
const heating = await api.GET("/api/v1/resources", { params: { query: { category: "heating" } } });
let resource: Schemas["ResourceView"] | undefined = heating.data?.items.find(
  (r) => r.provider_org_id == null || r.provider_org_id === me?.organization.id,
);
if (!resource) {
  const types = await api.GET("/api/v1/benefit-types", { params: { query: { category: "heating" } } });
  const heatingOil = types.data?.items.find((t) => t.code === "heating_oil");
  if (!heatingOil) throw new Error("the district has no benefit type heating_oil: run seed-benefit-types");
  const created = await api.POST("/api/v1/resources", {
    body: {
      name: "연말 난방유",
      benefit_type_id: heatingOil.id,
      funding: "private_donation",
      unit: "드럼",
    },
  });
  if (!created.data) throw new ApiError(created.response.status, created.error);
  resource = created.data;
}

const allocation: Schemas["CreateAllocationRequest"] = {
  resource_id: resource.id,
  person_id: person.data.id,
  case_id: kase.data.id,
  quantity: 1,
  granted_on: new Date().toISOString().slice(0, 10),
};
const check = await api.POST("/api/v1/allocations/check", { body: allocation });
if (!check.data) throw new ApiError(check.response.status, check.error);
console.log(`check: allowed=${check.data.allowed} conflicts=${check.data.conflicts.length}`);

const recorded = await api.POST("/api/v1/allocations", { body: allocation });
if (recorded.response.status === 409) {
  console.log(`blocked as a duplicate benefit: ${recorded.error?.detail}`);
} else if (!recorded.data) {
  throw new ApiError(recorded.response.status, recorded.error);
} else {
  console.log(`recorded allocation ${recorded.data.id}: ${recorded.data.status}`);
}

const timeline = await api.GET("/api/v1/cases/{id}/timeline", {
  params: { path: { id: kase.data.id } },
});
if (!timeline.data) throw new ApiError(timeline.response.status, timeline.error);
console.log(`timeline of ${kase.data.case_no}:`);
for (const entry of timeline.data.items) {
  console.log(`  ${entry.occurred_at}  ${entry.kind}  ${JSON.stringify(entry.data)}`);
}
