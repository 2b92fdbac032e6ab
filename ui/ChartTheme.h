#pragma once

#include <QList>
#include <QLocale>
#include <QPalette>
#include <QPen>

class QChart;
class QValueAxis;
class QXYSeries;

namespace streamscope {

// Charts follow the application's palette: Qt Charts' dark theme on a dark desktop, light
// otherwise (a chart does not read the palette by itself), with the palette's base, text and
// series colours, and numbers written as everywhere else ("1,799", where every value axis has a
// format with a precision such as "%.0f"; Qt Charts cannot localize "%d"). Keeps the chart's own
// choices of legend and axes. What is added to the chart after this call is adopted when the chart
// is first laid out:
// - a value axis whose label format is "%d" (or "%i") counts things: it gets whole-number ticks,
//   each a distinct integer whatever its range (useWholeNumberTicks);
// - a line series whose pen was not set with setSeriesPen() gets seriesPen(its index).
void followPalette(QChart *chart);

// A count axis: labels "%.0f" and ticks every 1, 2, 5, 10, 20, ... from 0, so each label is a
// distinct whole number (an axis from 0 to 2.2 with five even ticks read "2, 1, 1, 0, 0"). Follows
// later setRange() calls by itself.
void useWholeNumberTicks(QValueAxis *axis);

// The pen of the index-th series of a chart: seriesColour(index % 12) and, past 12, another dash
// pattern, so no two of 60 series look alike.
QPen seriesPen(int index, const QPalette &palette);
// Sets it on a series (which followPalette() then leaves alone).
void setSeriesPen(QXYSeries *series, int index, const QPalette &palette);

// The values an axis draws ticks at (for either tick type), for tests.
QList<double> axisTicks(const QValueAxis *axis);

// The locale charts write numbers in: the system's, with thousands separators (as Wording.h).
QLocale chartLocale();

} // namespace streamscope
