import { HttpAnswer } from '../../fake-pleo/src/http-answer';

export { HttpAnswer };

/** Xero's problem shape for 401/403/404/429/503 (not documented in the spec; see the overlay). */
export const xeroProblem = (status: number, title: string, detail: string, headers?: Record<string, string>) =>
  new HttpAnswer(status, { Type: null, Title: title, Status: status, Detail: detail }, headers);

/** Xero's 400 for a refused write: ValidationException with the elements and their ValidationErrors. */
export const validationException = (elements: Record<string, unknown>[], message = 'A validation exception occurred') =>
  new HttpAnswer(400, { ErrorNumber: 10, Type: 'ValidationException', Message: message, Elements: elements });
