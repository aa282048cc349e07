import { HttpError, methodNotAllowed } from "../http/errors";
import { readBody } from "../http/form";
import { parseDay } from "../protocol/day";
import { MAX_IMPORT_BATCH_BYTES } from "../protocol/limits";
import { readImportBatch, TransferError, type TransferCommand } from "../protocol/transfer";

/**
 * /<room>/admin/import: GET the room's import status; POST a batch (JSON).
 * /<room>/admin/export: GET the room's state; GET ?day=YYYY/MM/DD one day's entries.
 */
export async function transferCommand(request: Request, action: "import" | "export"): Promise<TransferCommand> {
  if (action === "export") {
    if (request.method !== "GET") throw methodNotAllowed("GET");
    const day = new URL(request.url).searchParams.get("day");
    if (day === null) return { action: "export-status" };
    const parts = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(day);
    if (parts === null || parseDay(parts[1]!, parts[2]!, parts[3]!) === null) throw new HttpError(400, "day must be YYYY/MM/DD");
    return { action: "export-day", day };
  }
  if (request.method === "GET") return { action: "import-status" };
  if (request.method !== "POST") throw methodNotAllowed("GET, POST");
  const type = (request.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw new HttpError(415, "Expected an import batch as application/json");
  const body = await readBody(request, MAX_IMPORT_BATCH_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body));
  } catch {
    throw new HttpError(400, "The batch is not UTF-8 JSON");
  }
  try {
    return { action: "import", batch: readImportBatch(json) };
  } catch (error) {
    if (error instanceof TransferError) throw new HttpError(400, error.message);
    throw error;
  }
}
