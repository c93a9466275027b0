/**
 * The buffer and failover cases of the suite on a shared broker, without starting one of its own: the
 * client reaches the broker through fault proxies (../support/fault-proxy.ts), and "the broker goes
 * down" is the proxy refusing (every connection closed, new ones refused). The messages stay in the real
 * broker, so the cases still check what the broker keeps and redelivers.
 */
import type { BrokerInfo, Protocol } from '../support/brokers.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import type { OutageTarget, PairTarget } from './suite.js';

/** A fault proxy in front of `broker`'s `protocol` port, and the endpoint URL that goes through it. */
async function openProxy(broker: BrokerInfo, protocol: Protocol) {
  const url = new URL(broker.endpoints[protocol]!);
  const path = url.pathname === '/' ? '' : url.pathname;
  const proxy = await startFaultProxy('127.0.0.1', broker.ports[protocol]!);
  return { proxy, url: proxy.url(url.protocol.slice(0, -1), path) };
}

/** An outage of `broker`'s `protocol` endpoint, as the client sees it. */
export function proxiedOutage(broker: () => BrokerInfo, protocol: Protocol): () => Promise<OutageTarget> {
  return async () => {
    const info = broker();
    const { proxy, url } = await openProxy(info, protocol);
    return {
      endpoints: [url],
      username: info.username,
      password: info.password,
      down: () => proxy.refuse(),
      up: () => proxy.pass(),
      dispose: () => proxy.close(),
    };
  };
}

/** Two endpoints to the same broker; "killing the active one" closes it for good. */
export function proxiedPair(broker: () => BrokerInfo, protocol: Protocol): () => Promise<PairTarget> {
  return async () => {
    const info = broker();
    const [first, second] = await Promise.all([openProxy(info, protocol), openProxy(info, protocol)]);
    return {
      endpoints: [first.url, second.url],
      username: info.username,
      password: info.password,
      killActive: () => first.proxy.refuse(),
      dispose: async () => {
        await Promise.all([first.proxy.close(), second.proxy.close()]);
      },
    };
  };
}
