import type { ChannelLimits, ClientChannel, TcpEndpoint } from './client-channel';

/**
 * What the web bundle uses in place of tcp-client-channel.ts (scripts/build-web.mjs maps
 * it here), so no Node socket module reaches a browser: a page can only reach a server
 * through a WebSocket (`url`).
 */
export function openTcpChannel(endpoint: TcpEndpoint, _limits: ChannelLimits): Promise<ClientChannel> {
  return Promise.reject(
    new TypeError(`a browser cannot open TCP connections (${endpoint.host}:${endpoint.port}): connect with a WebSocket url`),
  );
}
