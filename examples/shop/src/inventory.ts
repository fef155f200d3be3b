// An in-memory catalogue, so a probe can read class state.
export interface Product {
  sku: string;
  name: string;
  price: number;
  stock: number;
}

export class Inventory {
  private readonly products: Map<string, Product>;
  reservations = 0;

  constructor(products: Product[]) {
    this.products = new Map(products.map((p) => [p.sku, p]));
  }

  find(sku: string): Product | undefined {
    const product = this.products.get(sku);
    return product === undefined ? undefined : { ...product };
  }

  reserve(sku: string, quantity: number): boolean {
    const product = this.products.get(sku);
    if (product === undefined || product.stock < quantity) return false;
    product.stock -= quantity; // probe: reserve
    this.reservations += 1;
    return true;
  }
}
