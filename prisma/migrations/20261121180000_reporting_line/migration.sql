-- CreateView
CREATE VIEW "reporting_line" AS
WITH RECURSIVE line (manager_id, employee_id) AS (
    SELECT "employee_id", "employee_id" FROM "employee"
    UNION ALL
    SELECT line.manager_id, e."employee_id" FROM line JOIN "employee" e ON e."reports_to" = line.employee_id
)
SELECT manager_id, employee_id FROM line;
