/**
 * Stands in for Node's `os` and `path` in the browser build. rhea reaches them only to find a
 * connect.json file when it is given no connection options; this transport always gives them, and
 * opens its own socket (rhea's package.json already maps fs, net and tls to nothing for browsers).
 */
export {};
