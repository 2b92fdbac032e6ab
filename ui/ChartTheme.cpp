#include "ChartTheme.h"

#include "Palette.h"

#include <QAbstractAxis>
#include <QChart>
#include <QGuiApplication>
#include <QLegend>
#include <QRegularExpression>
#include <QTimer>
#include <QValueAxis>
#include <QXYSeries>

#include <algorithm>
#include <cmath>

namespace streamscope {

namespace {

const char adoptedProperty[] = "streamscopeAdopted";

bool countsThings(const QValueAxis *axis) {
    const QString format = axis->labelFormat().trimmed();
    return format == QLatin1String("%d") || format == QLatin1String("%i");
}

// Qt Charts writes localized numbers ("1,799") only for formats with a precision ("%.0f"): with
// "%d" it writes nothing at all.
bool localizable(const QValueAxis *axis) {
    static const QRegularExpression precise(QStringLiteral("^[^%]*%\\.\\d+[defgiEG][^%]*$"));
    return axis->labelFormat().isEmpty() || precise.match(axis->labelFormat()).hasMatch();
}

// The smallest of 1, 2, 5, 10, 20, 50, ... that gives at most about five intervals over span.
double wholeStep(double span) {
    if (!(span > 0) || !std::isfinite(span))
        return 1;
    const double wanted = span / 5;
    double step = 1;
    while (step < wanted) {
        if (step * 2 >= wanted)
            return step * 2;
        if (step * 5 >= wanted)
            return step * 5;
        step *= 10;
    }
    return step;
}

void styleAxis(QAbstractAxis *axis, const QPalette &palette) {
    axis->setLabelsBrush(palette.brush(QPalette::Text));
    axis->setTitleBrush(palette.brush(QPalette::WindowText));
    QColor grid = palette.color(QPalette::Text);
    grid.setAlphaF(0.15f);
    axis->setGridLineColor(grid);
    QColor line = palette.color(QPalette::Text);
    line.setAlphaF(0.4f);
    axis->setLinePenColor(line);
}

// Everything added to the chart since followPalette(): axes and series, once each.
void adopt(QChart *chart) {
    const QPalette palette = QGuiApplication::palette();
    for (QAbstractAxis *axis : chart->axes()) {
        if (axis->property(adoptedProperty).toBool())
            continue;
        axis->setProperty(adoptedProperty, true);
        styleAxis(axis, palette);
        if (auto *values = qobject_cast<QValueAxis *>(axis); values && countsThings(values))
            useWholeNumberTicks(values);
    }
    // Thousands separators, as everywhere else, where every value axis can write them.
    const QList<QAbstractAxis *> axes = chart->axes();
    chart->setLocalizeNumbers(std::all_of(axes.cbegin(), axes.cend(), [](QAbstractAxis *axis) {
        auto *values = qobject_cast<QValueAxis *>(axis);
        return !values || localizable(values);
    }));
    const QList<QAbstractSeries *> series = chart->series();
    for (int i = 0; i < series.size(); ++i) {
        auto *xy = qobject_cast<QXYSeries *>(series.at(i));
        if (!xy || xy->property(adoptedProperty).toBool())
            continue;
        setSeriesPen(xy, i, palette);
    }
}

} // namespace

QLocale chartLocale() {
    QLocale locale;
    if (locale.language() == QLocale::C)
        locale = QLocale(QLocale::English, QLocale::UnitedStates);
    locale.setNumberOptions(locale.numberOptions() & ~QLocale::OmitGroupSeparator);
    return locale;
}

void followPalette(QChart *chart) {
    const QPalette palette = QGuiApplication::palette();
    const QChart::ChartTheme theme =
        isDarkPalette(palette) ? QChart::ChartThemeDark : QChart::ChartThemeLight;
    if (chart->theme() != theme)
        chart->setTheme(theme);
    chart->setBackgroundBrush(palette.brush(QPalette::Base));
    chart->setTitleBrush(palette.brush(QPalette::WindowText));
    chart->legend()->setLabelColor(palette.color(QPalette::Text));
    chart->setLocale(chartLocale());
    adopt(chart);
    if (chart->property(adoptedProperty).toBool())
        return;
    chart->setProperty(adoptedProperty, true);
    // Axes and series are usually added after this call: adopt them when the chart is laid out
    // (before it is first drawn), and at the latest once the event loop runs.
    QObject::connect(chart, &QChart::plotAreaChanged, chart, [chart] { adopt(chart); });
    QTimer::singleShot(0, chart, [chart] { adopt(chart); });
}

void useWholeNumberTicks(QValueAxis *axis) {
    axis->setProperty(adoptedProperty, true);
    // Every tick is a whole number: "%.0f" writes it exactly, with thousands separators when the
    // chart localizes numbers (which "%d" cannot).
    axis->setLabelFormat(QStringLiteral("%.0f"));
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    axis->setMinorTickCount(0); // minor ticks between whole numbers would only be noise
    const auto follow = [axis] {
        const double step = wholeStep(axis->max() - axis->min());
        if (axis->tickInterval() != step)
            axis->setTickInterval(step);
    };
    follow();
    // On minChanged/maxChanged, which come before the chart lays the axis out for the new range:
    // after rangeChanged it would first write a label every 1 from 0 to, say, 1,000,000.
    QObject::connect(axis, &QValueAxis::minChanged, axis, follow);
    QObject::connect(axis, &QValueAxis::maxChanged, axis, follow);
}

QPen seriesPen(int index, const QPalette &palette) {
    static const Qt::PenStyle styles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine,
                                          Qt::DashDotDotLine};
    const int round = std::max(0, index) / 12;
    QPen pen(seriesColour(index, palette), 2);
    pen.setStyle(styles[round % 5]);
    return pen;
}

void setSeriesPen(QXYSeries *series, int index, const QPalette &palette) {
    series->setPen(seriesPen(index, palette));
    series->setProperty(adoptedProperty, true);
}

QList<double> axisTicks(const QValueAxis *axis) {
    QList<double> ticks;
    const double min = axis->min(), max = axis->max();
    if (axis->tickType() == QValueAxis::TicksDynamic) {
        const double step = axis->tickInterval();
        if (!(step > 0))
            return ticks;
        const double anchor = axis->tickAnchor();
        for (double v = anchor + std::ceil((min - anchor) / step) * step; v <= max + 1e-9;
             v += step) {
            ticks << v;
            if (ticks.size() > 1000)
                break;
        }
        return ticks;
    }
    const int count = axis->tickCount();
    for (int i = 0; i < count; ++i)
        ticks << (count > 1 ? min + (max - min) * i / (count - 1) : min);
    return ticks;
}

} // namespace streamscope
