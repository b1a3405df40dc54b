/** How long a question and an answer may be: the schema checks them, the forms and messages say them. */
export const SUBJECT_MAX = 200;
export const BODY_MAX = 4000;
export const ANSWER_MAX = 8000;
