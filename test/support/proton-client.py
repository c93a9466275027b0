"""An independent AMQP 1.0 client (Debian's qpid-proton) for the interoperability tests.

    /usr/bin/python3 proton-client.py send URL ADDRESS   < JSON list of {"kind", "value"}
    /usr/bin/python3 proton-client.py receive URL ADDRESS COUNT [plain]

`send` sends each body the way a proton application does (Message(body=...)): str, map, list, int,
binary as amqp-value; "data" as a data section, "sequence" as an amqp-sequence (inferred=True).
`receive` prints a JSON list of {"type", "body", "content_type"}: the Python type proton decoded.
Both attach with a durable terminus, as RabbitMQ 3.x needs for a queue that STOMP, MQTT or unified-mq
declared durable; with `plain` the receiver keeps proton's default (non-durable) terminus.
"""
import json
import sys

from proton import Message, Terminus
from proton.reactor import LinkOption
from proton.utils import BlockingConnection


class Durable(LinkOption):
    def apply(self, link):
        terminus = link.target if link.is_sender else link.source
        terminus.durability = Terminus.DELIVERIES
        terminus.expiry_policy = Terminus.EXPIRE_NEVER


def body_of(kind, value):
    if kind in ('binary', 'data'):
        return bytes.fromhex(value)
    return value


def to_json(body):
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body).hex()
    if isinstance(body, dict):
        return {str(k): to_json(v) for k, v in body.items()}
    if isinstance(body, (list, tuple)):
        return [to_json(v) for v in body]
    return body


def main():
    mode, url, address = sys.argv[1], sys.argv[2], sys.argv[3]
    connection = BlockingConnection(url, timeout=20 if len(sys.argv) <= 5 else 5, allowed_mechs='PLAIN', allow_insecure_mechs=True)
    try:
        if mode == 'send':
            sender = connection.create_sender(address, options=Durable())
            for item in json.load(sys.stdin):
                kind = item['kind']
                message = Message(body=body_of(kind, item['value']), inferred=kind in ('data', 'sequence'))
                sender.send(message)
            print(json.dumps({'sent': True}))
        else:
            count = int(sys.argv[4])
            plain = len(sys.argv) > 5 and sys.argv[5] == 'plain'
            try:
                receiver = connection.create_receiver(address, options=None if plain else Durable(), credit=count)
            except Exception as error:
                # RabbitMQ 3.x refuses the attach by ending the session with an error: report its condition.
                conditions = []
                for endpoint in (connection.conn.link_head(0), connection.conn.session_head(0)):
                    while endpoint is not None:
                        if endpoint.remote_condition is not None:
                            conditions.append('%s: %s' % (endpoint.remote_condition.name, endpoint.remote_condition.description))
                        endpoint = endpoint.next(0)
                print(json.dumps({'error': str(error), 'conditions': conditions}))
                sys.exit(3)
            out = []
            for _ in range(count):
                message = receiver.receive(timeout=20)
                # proton 0.37 gives an absent content-type as the symbol 'None'
                content_type = message.content_type if message.content_type not in (None, 'None') else None
                out.append({'type': type(message.body).__name__, 'body': to_json(message.body), 'content_type': content_type})
                receiver.accept()
            print(json.dumps(out))
    finally:
        connection.close()


if __name__ == '__main__':
    main()
