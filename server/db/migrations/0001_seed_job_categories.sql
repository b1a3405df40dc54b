-- The job categories (職種) of the first cut of the roster; editable in the app afterwards.
INSERT INTO "job_categories" ("name", "name_en", "sort_order") VALUES
  ('医師', 'Physician', 10),
  ('看護師', 'Nurse', 20),
  ('薬剤師', 'Pharmacist', 30),
  ('医療技術職', 'Medical technologist', 40),
  ('事務職', 'Administrative staff', 50),
  ('委託・派遣', 'Contractor / agency staff', 60)
ON CONFLICT DO NOTHING;
