// An in-memory catalogue with a price cache, so a probe can read class state.
export class Inventory {
  constructor(products) {
    this.products = new Map(products.map((p) => [p.sku, p]));
    this.reservations = 0;
  }

  find(sku) {
    const product = this.products.get(sku);
    return product === undefined ? undefined : { ...product };
  }

  reserve(sku, quantity) {
    const product = this.products.get(sku);
    if (product === undefined || product.stock < quantity) return false;
    product.stock -= quantity; // probe: reserve
    this.reservations += 1;
    return true;
  }
}
