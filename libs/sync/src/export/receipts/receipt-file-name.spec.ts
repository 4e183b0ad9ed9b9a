import { receiptFileName } from './receipt-file-name';

describe('receiptFileName (F-10)', () => {
  it('keeps the original name from the URL path', () => {
    expect(receiptFileName('https://files.pleo.io/a/b/Lunch%20receipt.PDF?X-Amz-Signature=abc', 'application/pdf', 'B-1', 1)).toBe('Lunch receipt.PDF');
    expect(receiptFileName('https://files.pleo.io/x/costs.xlsx', 'application/octet-stream', 'B-1', 2)).toBe('costs.xlsx');
  });

  it.each([
    ['application/msword', 'doc'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
    ['application/vnd.ms-excel', 'xls'],
    ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'],
    ['image/jpeg', 'jpg'],
    ['image/png', 'png'],
    ['application/pdf', 'pdf'],
    ['text/plain; charset=utf-8', 'txt'],
    ['application/zip', 'bin'],
  ])('names a file of type %s without a name in its URL ….%s', (type, ext) => {
    expect(receiptFileName('https://files.pleo.io/files/0b5c9a', type, 'B-1', 3)).toBe(`B-1-3.${ext}`);
  });

  it('never lets a path separator through, and ignores names without a known extension', () => {
    expect(receiptFileName('https://h/a/..%2F..%2Fetc%2Fpasswd.txt', 'text/plain', 'B-2', 1)).toBe('.._.._etc_passwd.txt');
    expect(receiptFileName('https://h/a/run.sh', 'text/plain', 'B-2', 1)).toBe('B-2-1.txt');
    expect(receiptFileName('not a url', 'image/png', 'B-2', 4)).toBe('B-2-4.png');
  });
});
