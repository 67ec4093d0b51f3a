// Turns a configured endpoint URL into SDK settings. The official SDK derives the signing scope's service from
// the first label of its endpoint and signs the host without the port, so for a simulator or proxy on another
// host we keep `cam.tencentcloudapi.com` as the signed host and dial the configured address underneath.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";

export const DEFAULT_CAM_ENDPOINT = "https://cam.tencentcloudapi.com";
const SIGNED_HOST = "cam.tencentcloudapi.com";

export interface SdkEndpoint {
  endpoint: string;
  protocol: "https://" | "http://";
  agent?: HttpAgent;
}

export function sdkEndpoint(url: string = DEFAULT_CAM_ENDPOINT): SdkEndpoint {
  const parsed = new URL(url);
  const protocol = parsed.protocol === "http:" ? "http://" : "https://";
  const port = Number(parsed.port || (protocol === "http://" ? 80 : 443));
  const host = parsed.hostname;
  if (host.split(".")[0] === "cam" && parsed.port === "") return { endpoint: host, protocol };
  const agent = protocol === "http://"
    ? new DialingHttpAgent(host, port)
    : new DialingHttpsAgent(host, port);
  return { endpoint: SIGNED_HOST, protocol, agent };
}

// Keep-alive halves the CPU a call costs (no handshake per request). Idle sockets are dropped after 4 s, before
// a Node server's default 5 s keep-alive timeout, so a request never lands on a socket the server is closing.
const KEEP_ALIVE = { keepAlive: true, timeout: 4_000, maxSockets: 64 } as const;

class DialingHttpAgent extends HttpAgent {
  constructor(private readonly host: string, private readonly port: number) {
    super(KEEP_ALIVE);
  }
  createConnection(): ReturnType<typeof netConnect> {
    return netConnect({ host: this.host, port: this.port });
  }
}

class DialingHttpsAgent extends HttpsAgent {
  constructor(private readonly host: string, private readonly port: number) {
    super(KEEP_ALIVE);
  }
  createConnection(): ReturnType<typeof tlsConnect> {
    return tlsConnect({ host: this.host, port: this.port, servername: this.host });
  }
}
