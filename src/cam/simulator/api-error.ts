// A CAM API error as the simulator answers it: HTTP 200 with {"Response":{"Error":{Code,Message},"RequestId"}}.
export class SimApiError extends Error {
  override readonly name = "SimApiError";
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

export function errorEnvelope(code: string, message: string, requestId: string): unknown {
  return { Response: { Error: { Code: code, Message: message }, RequestId: requestId } };
}

export function successEnvelope(body: Record<string, unknown>, requestId: string): unknown {
  return { Response: { ...body, RequestId: requestId } };
}
