import { dataResponse } from "../../http/responses";
import { CONTENT_TYPES, writeReply, type EncodedContent, type ReplyHeader } from "../../protocol/comet-reply";

/** A comet reply, with the headers every response leaves with (so the Worker need not copy it to add them). */
export function cometResponse(header: ReplyHeader, content: EncodedContent): Response {
  return dataResponse(writeReply(header, content), CONTENT_TYPES[content.format]);
}
