// Turns a configured endpoint URL into SDK settings. The official SDK derives the signing scope's service from
// the first label of its endpoint and signs the host without the port, so for a simulator or proxy on another
// host we keep the service's own host (`cam.tencentcloudapi.com`, `sts.tencentcloudapi.com`) as the signed host
// and dial the configured address underneath.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { TencentService } from "./actions.js";

export const DEFAULT_CAM_ENDPOINT = "https://cam.tencentcloudapi.com";
export const DEFAULT_STS_ENDPOINT = "https://sts.tencentcloudapi.com";

export interface SdkEndpoint {
  endpoint: string;
  protocol: "https://" | "http://";
  agent?: HttpAgent;
}

export function sdkEndpoint(url: string = DEFAULT_CAM_ENDPOINT, service: TencentService = "cam"): SdkEndpoint {
  const parsed = new URL(url);
  const protocol = parsed.protocol === "http:" ? "http://" : "https://";
  const port = Number(parsed.port || (protocol === "http://" ? 80 : 443));
  const host = parsed.hostname;
  if (host.split(".")[0] === service && parsed.port === "") return { endpoint: host, protocol };
  const agent = protocol === "http://" ? new DialingHttpAgent(host, port) : new DialingHttpsAgent(host, port);
  return { endpoint: `${service}.tencentcloudapi.com`, protocol, agent };
}

/**
 * Where STS calls go when no `stsEndpoint` is configured: Tencent's STS host beside Tencent's CAM host
 * (`cam.intl...` gives `sts.intl...`), and the same address as CAM for a simulator or proxy, which serve both.
 */
export function defaultStsEndpoint(camEndpoint: string | undefined): string {
  if (camEndpoint === undefined) return DEFAULT_STS_ENDPOINT;
  const parsed = new URL(camEndpoint);
  if (parsed.hostname.startsWith("cam.") && parsed.hostname.endsWith(".tencentcloudapi.com")) {
    parsed.hostname = `sts.${parsed.hostname.slice("cam.".length)}`;
    return parsed.toString().replace(/\/$/, "");
  }
  return camEndpoint;
}

// Keep-alive halves the CPU a call costs (no handshake per request). Idle sockets are dropped after 4 s, before
// a Node server's default 5 s keep-alive timeout, so a request never lands on a socket the server is closing.
const KEEP_ALIVE = { keepAlive: true, timeout: 4_000, maxSockets: 64 } as const;

class DialingHttpAgent extends HttpAgent {
  constructor(
    private readonly host: string,
    private readonly port: number
  ) {
    super(KEEP_ALIVE);
  }
  createConnection(): ReturnType<typeof netConnect> {
    return netConnect({ host: this.host, port: this.port });
  }
}

class DialingHttpsAgent extends HttpsAgent {
  constructor(
    private readonly host: string,
    private readonly port: number
  ) {
    super(KEEP_ALIVE);
  }
  createConnection(): ReturnType<typeof tlsConnect> {
    return tlsConnect({ host: this.host, port: this.port, servername: this.host });
  }
}
