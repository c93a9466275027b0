/**
 * The values this transport takes from mqtt.js, read from its default export. mqtt.js's browser build
 * (dist/mqtt.esm.js, which bundlers pick under the `browser` export condition) has nothing but a default
 * export, so a named import such as `import { ErrorWithReasonCode } from 'mqtt'` stops esbuild, Rollup and
 * webpack there ("No matching export"). Its Node build has the same object as its default export.
 * Types are erased, so they may still be imported by name.
 */
import mqttjs from 'mqtt';

export const ErrorWithReasonCode = mqttjs.ErrorWithReasonCode;
