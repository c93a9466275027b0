/**
 * Unified names ↔ MQTT topics: `.` ↔ `/`, `*` → `+`, `#` → `#` (MQTT 3.1.1 §4.7). Queues on MQTT 5 are
 * shared subscriptions (`$share/GROUP/PREFIX/…`, MQTT 5 §4.8.2) on a topic namespace of their own, so
 * that a plain topic subscriber never sees queue traffic.
 */
import { mapDestination } from '../../core/destination.js';

export function toTopic(name: string): string {
  return mapDestination(name, '/', '+', '#');
}

export function fromTopic(topic: string): string {
  return topic.replaceAll('/', '.');
}

export function queueTopic(prefix: string, queue: string): string {
  return `${prefix}/${toTopic(queue)}`;
}

export function sharedFilter(group: string, prefix: string, queue: string): string {
  return `$share/${group}/${queueTopic(prefix, queue)}`;
}
