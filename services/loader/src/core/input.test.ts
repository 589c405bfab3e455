import { ErrorList } from './errors';
import { arrayItemLines, decodeText, readRows, type FieldSet } from './input';

const fields: FieldSet = { known: ['sku', 'name', 'price'], required: ['sku'] };
const read = (text: string, format: 'csv' | 'json', set = fields) => {
  const errors = new ErrorList();
  const rows = readRows(text, format, set, errors);
  return { rows: rows.map((r) => [r.line, r.values]), errors: errors.items, count: errors.count };
};

describe('CSV rows', () => {
  it('numbers rows by the line they start on, past comments, blank lines and quoted line breaks', () => {
    const text = '\uFEFF# exported 2026-11-30\nsku,name,price\n\nA,"two\nlines",1\n# a note\nB,b,\n';
    expect(read(text, 'csv')).toEqual({ rows: [[4, { sku: 'A', name: 'two\nlines', price: '1' }], [7, { sku: 'B', name: 'b' }]], errors: [], count: 0 });
  });

  it('keeps # inside a line as data and trims cells', () => {
    expect(read('sku,name\n A#1 , "x # y" \n', 'csv').rows).toEqual([[2, { sku: 'A#1', name: 'x # y' }]]);
  });

  it('refuses unknown, repeated, empty and missing header columns, naming them on the header line', () => {
    expect(read('# c\nname,nmae,name,\n', 'csv').errors).toEqual([
      { line: 2, field: 'nmae', reason: 'is not a column of this dataset (columns: sku, name, price)' },
      { line: 2, field: 'name', reason: 'appears twice in the header' },
      { line: 2, field: '(header)', reason: 'has an empty column name' },
      { line: 2, field: 'sku', reason: 'is a required column, missing from the header' },
    ]);
  });

  it('asks for one column of a group when none is there', () => {
    const set: FieldSet = { known: ['email', 'phone', 'segment'], required: ['segment'], oneOf: [['email', 'phone']] };
    expect(read('segment\nx\n', 'csv', set).errors).toEqual([{ line: 1, field: 'email or phone', reason: 'is a required column, missing from the header' }]);
  });

  it('names every row with the wrong number of fields, and reads the others', () => {
    expect(read('sku,name\nA,a\nB\nC,c,extra\nD,d\n', 'csv')).toEqual({
      rows: [[2, { sku: 'A', name: 'a' }], [5, { sku: 'D', name: 'd' }]],
      errors: [
        { line: 3, field: '(row)', reason: 'has 1 fields where the header has 2' },
        { line: 4, field: '(row)', reason: 'has 3 fields where the header has 2' },
      ],
      count: 2,
    });
  });

  it('names the line of a quoting error without quoting the text', () => {
    const { errors } = read('sku,name\nA,a\nB,"anna@example.com"x\n', 'csv');
    expect(errors).toEqual([{ line: 3, field: '(row)', reason: 'has a quote inside an unquoted field or text after a closing quote' }]);
    expect(JSON.stringify(errors)).not.toContain('anna');
  });

  it('refuses a file with a header and no rows', () => {
    expect(read('sku,name\n\n', 'csv').errors).toEqual([{ line: 1, field: '(file)', reason: 'has no rows: a header line and at least one row are expected' }]);
  });
});

describe('JSON rows', () => {
  it('reads an array of objects, each numbered by the line it starts on', () => {
    const text = '[\n  {"sku": "A", "name": "a [x], {y}"},\n  {\n    "sku": "B",\n    "price": 2\n  }, {"sku": "C", "name": null}\n]\n';
    expect(read(text, 'json').rows).toEqual([[2, { sku: 'A', name: 'a [x], {y}' }], [3, { sku: 'B', price: 2 }], [6, { sku: 'C' }]]);
  });

  it('reads JSON Lines, skipping blank lines', () => {
    expect(read('{"sku":"A"}\n\n{"sku":"B"}\r\n', 'json').rows).toEqual([[1, { sku: 'A' }], [3, { sku: 'B' }]]);
  });

  it('reads a single pretty-printed object as one item', () => {
    expect(read('\n{\n  "sku": "A",\n  "price": 1\n}\n', 'json').rows).toEqual([[2, { sku: 'A', price: 1 }]]);
  });

  it('refuses unknown fields and items that are not objects', () => {
    expect(read('[{"sku":"A","colour":"red"}, 3]', 'json').errors).toEqual([
      { line: 1, field: 'colour', reason: 'is not a field of this dataset (fields: sku, name, price)' },
      { line: 1, field: '(item)', reason: 'must be a JSON object' },
    ]);
  });

  it('names the line of a syntax error without quoting the text around it', () => {
    const array = read('[\n{"sku":"A"},\n{"sku":"anna@example.com" "x"}\n]', 'json');
    expect(array.errors).toEqual([{ line: 3, field: '(json)', reason: expect.stringMatching(/^is not valid JSON/) }]);
    const lines = read('{"sku":"A"}\n{"sku": "anna@example.com",}\n', 'json');
    expect(lines.errors).toEqual([{ line: 2, field: '(json)', reason: expect.stringMatching(/^is not valid JSON/) }]);
    expect(JSON.stringify([array.errors, lines.errors])).not.toContain('anna');
  });

  it('refuses an empty array', () => {
    expect(read('[]', 'json').errors).toEqual([{ line: 1, field: '(file)', reason: 'has no items: an array of objects or one object per line is expected' }]);
  });

  it('finds item lines outside strings only', () => {
    expect(arrayItemLines('[\n"a,\\"b",\n{"x": [1,\n2]},\n3]', 0)).toEqual([2, 3, 5]);
  });
});

describe('decodeText', () => {
  it('refuses bytes that are not UTF-8, naming the line', () => {
    const errors = new ErrorList();
    expect(decodeText(Buffer.concat([Buffer.from('sku\nA\n'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]), errors)).toBeUndefined();
    expect(errors.items).toEqual([{ line: 3, field: '(file)', reason: 'is not UTF-8 text' }]);
  });
});
