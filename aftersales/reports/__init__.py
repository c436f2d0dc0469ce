"""After-sales reports (售后报表): refund rate and reasons by period, shop and SKU, the top returned SKUs, time to
close and the auto-approved share — ``selectors`` (the figures), ``forms`` (the filter), ``charts`` (the figures
as chart data), ``excel`` (the workbook), ``views`` and ``urls`` (/aftersales/reports/). docs/aftersales.md
"Reports" defines every figure."""
