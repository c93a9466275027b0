import { describe, expect, it } from 'vitest';
import { amazonMqEndpoints, InvalidArgumentError, parseEndpoints } from '../../src/index.js';

const brokerId = 'b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9';
const host = (n: number) => `${brokerId}-${n}.mq.eu-west-1.amazonaws.com`;

describe('amazonMqEndpoints', () => {
  it('gives the -1/-2 pair, active first, with each protocol\'s TLS scheme and Amazon MQ port', () => {
    const cases = {
      amqp: ['amqp+ssl', 5671],
      stomp: ['stomp+ssl', 61614],
      mqtt: ['mqtt+ssl', 8883],
      'mqtt-wss': ['wss', 61619],
      'stomp-wss': ['wss', 61619],
    } as const;
    for (const [protocol, [scheme, port]] of Object.entries(cases)) {
      expect(amazonMqEndpoints({ brokerId, region: 'eu-west-1', protocol: protocol as keyof typeof cases })).toEqual([
        `${scheme}://${host(1)}:${port}`,
        `${scheme}://${host(2)}:${port}`,
      ]);
    }
  });

  it('gives one endpoint for a single-instance broker', () => {
    expect(amazonMqEndpoints({ brokerId, region: 'eu-west-1', protocol: 'stomp', deployment: 'single-instance' })).toEqual([
      `stomp+ssl://${host(1)}:61614`,
    ]);
  });

  it('gives endpoints the client parses as TLS', () => {
    for (const protocol of ['amqp', 'stomp', 'mqtt', 'mqtt-wss', 'stomp-wss'] as const) {
      const { endpoints } = parseEndpoints(amazonMqEndpoints({ brokerId, region: 'us-gov-west-1', protocol }));
      expect(endpoints.map((e) => e.secure)).toEqual([true, true]);
    }
  });

  it('rejects bad input with InvalidArgumentError saying what is expected', () => {
    const bad = (options: unknown, message: RegExp) => {
      const call = () => amazonMqEndpoints(options as Parameters<typeof amazonMqEndpoints>[0]);
      expect(call).toThrow(InvalidArgumentError);
      expect(call).toThrow(message);
    };
    bad({ brokerId, region: 'eu-west-1', protocol: 'kafka' }, /must be one of mqtt, stomp, amqp, mqtt-wss, stomp-wss/);
    bad({ brokerId, region: 'eu-west-1', protocol: 'openwire' }, /OpenWire.*not offered here/);
    bad({ brokerId: 'b-1234', region: 'eu-west-1', protocol: 'mqtt' }, /broker id.*b-.*UUID/);
    bad({ brokerId: `${brokerId}-1.mq.eu-west-1.amazonaws.com`, region: 'eu-west-1', protocol: 'mqtt' }, /not a host name/);
    bad({ brokerId, region: '', protocol: 'mqtt' }, /region.*eu-west-1/);
    bad({ brokerId, region: '   ', protocol: 'mqtt' }, /region/);
    bad({ brokerId, region: 'EU West', protocol: 'mqtt' }, /region/);
    bad({ brokerId, region: 'eu-west-1', protocol: 'mqtt', deployment: 'cluster' }, /active-standby.*single-instance/);
    bad(undefined, /brokerId, region, protocol/);
  });
});
