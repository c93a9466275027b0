/** Every fault of activemq-pair.ts for MQTT 3.1.1 (envelope), on a pair of its own. */
import { pairSuite, protocols } from './activemq-pair.js';

pairSuite(protocols.mqtt);
