/**
 * Node's `util` as rhea uses it in the browser build: only `inherits`, for its error classes. This is
 * what Node's own util.inherits does (lib/util.js); a package for it would weigh more than the code.
 */
export function inherits(ctor: { prototype: object }, superCtor: { prototype: object }): void {
  Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}
