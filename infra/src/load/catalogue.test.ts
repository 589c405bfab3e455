import { CatalogueFileError, parseCatalogue } from './catalogue';

describe('catalogue file', () => {
  it('reads products with prices in minor units and names its source and version', () => {
    const [p] = parseCatalogue('sku,name,category,brand,price,currency\nSKU-1,"Trail shoe, blue",Shoes > Outdoor,Kuura,129.90,eur\n', 'pim.csv', 5);
    expect(p).toEqual({ sku: 'SKU-1', name: 'Trail shoe, blue', category: 'Shoes > Outdoor', brand: 'Kuura', priceMinor: 12990, currency: 'EUR', updatedAt: 5, sourceName: 'pim.csv', sourceVersion: expect.stringMatching(/^[0-9a-f]{12}$/) });
  });

  it('names the line and the column of a bad row', () => {
    expect(() => parseCatalogue('sku,name,price\nA,Shoe,1\nB,,2\n', 'f.csv')).toThrow('f.csv:3: name is empty');
    expect(() => parseCatalogue('sku,name,price\nA,Shoe,cheap\n', 'f.csv')).toThrow('f.csv:2: price "cheap" is not a non-negative number');
    expect(() => parseCatalogue('sku,name\nA,x\nA,y\n', 'f.csv')).toThrow('f.csv:3: sku A already on line 2');
    expect(() => parseCatalogue('name,price\nx,1\n', 'f.csv')).toThrow(CatalogueFileError);
  });
});
