/** Every fault of activemq-pair.ts for STOMP, on a pair of its own. */
import { pairSuite, protocols } from './activemq-pair.js';

pairSuite(protocols.stomp);
