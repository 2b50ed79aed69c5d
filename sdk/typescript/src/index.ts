// A thin, typed wrapper over openapi-fetch: every path, body and response is typed from the
// generated `schema.d.ts` (regenerate with `npm run generate` when openapi/openapi.json changes).
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type HamkkeClient = Client<paths>;

/** An API error carrying the problem+json body the server returned. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(`${status} ${problem?.code ?? ""}: ${problem?.detail ?? problem?.title ?? "request failed"}`);
  }
}

/**
 * Logs in and returns a client that sends the access token (and, when given, the purpose of
 * access recorded in the audit trail with every read of personal data).
 */
export async function login(
  baseUrl: string,
  username: string,
  password: string,
  purpose?: Schemas["AccessPurpose"],
): Promise<HamkkeClient> {
  const anonymous = createClient<paths>({ baseUrl });
  const { data, error, response } = await anonymous.POST("/api/v1/auth/token", {
    body: { username, password },
  });
  if (!data) throw new ApiError(response.status, error);
  const client = createClient<paths>({ baseUrl });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${data.access_token}`);
      if (purpose) request.headers.set("X-Access-Purpose", purpose);
      return request;
    },
  };
  client.use(auth);
  return client;
}
