/**
 * Unified names ↔ MQTT topics: `.` ↔ `/`, `*` → `+`, `#` → `#` (MQTT 3.1.1 §4.7). Queues on MQTT 5 are
 * shared subscriptions (`$share/GROUP/PREFIX/…`, MQTT 5 §4.8.2) on a topic namespace of their own, so
 * that a plain topic subscriber never sees queue traffic.
 *
 * The core validates names before they get here; the checks below are the ones MQTT itself imposes,
 * so that the transport never writes a PUBLISH the broker would treat as a protocol error.
 */
import { InvalidDestinationError } from '../../core/errors.js';
import { mapDestination } from '../../core/destination.js';

// §4.7.3: a topic name holds no wildcard and no NUL; `*` is a wildcard in unified names. An empty level
// is legal MQTT but not a unified name (it could not be told apart from a separator on the way back).
const NOT_A_TOPIC_NAME = /^$|[*#+\u0000]|^\.|\.\.|\.$/;

/**
 * The last name each way and what it maps to. A publisher mostly sends to a few names, and a subscriber
 * mostly receives from a few topics: the memo spares the checks and a new string per message.
 */
const toTopicMemo = { name: '', topic: '' };
const fromTopicMemo = { topic: '', name: '' };

/** The topic to publish to. Throws InvalidDestinationError for what MQTT cannot carry as a topic name. */
export function toTopic(name: string): string {
  if (name === toTopicMemo.name && name !== '') return toTopicMemo.topic;
  const topic = checkedTopic(name);
  toTopicMemo.name = name;
  toTopicMemo.topic = topic;
  return topic;
}

function checkedTopic(name: string): string {
  if (NOT_A_TOPIC_NAME.test(name)) {
    throw new InvalidDestinationError(name, 'an MQTT topic name cannot be empty, hold an empty segment, a NUL or a wildcard (* and # belong in subscriptions)');
  }
  // §4.7.2: topics starting with `$` belong to the broker ($SYS…); clients' wildcards never match them.
  if (name.charCodeAt(0) === 36 /* $ */) {
    throw new InvalidDestinationError(name, 'MQTT reserves topics starting with "$" for the broker (§4.7.2)');
  }
  return name.replaceAll('.', '/');
}

/** The topic filter of a subscription pattern. */
export function toFilter(pattern: string): string {
  return mapDestination(pattern, '/', '+', '#');
}

export function fromTopic(topic: string): string {
  if (topic === fromTopicMemo.topic) return fromTopicMemo.name;
  const name = topic.replaceAll('/', '.');
  fromTopicMemo.topic = topic;
  fromTopicMemo.name = name;
  return name;
}

export function queueTopic(prefix: string, queue: string): string {
  return `${prefix}/${toTopic(queue)}`;
}

export function sharedFilter(group: string, prefix: string, queue: string): string {
  return `$share/${group}/${prefix}/${toFilter(queue)}`;
}
