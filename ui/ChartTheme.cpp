#include "ChartTheme.h"

#include "Palette.h"

#include <QAbstractAxis>
#include <QChart>
#include <QGuiApplication>
#include <QLegend>
#include <QTimer>
#include <QValueAxis>
#include <QXYSeries>

#include <cmath>

namespace streamscope {

namespace {

const char adoptedProperty[] = "streamscopeAdopted";

bool countsThings(const QValueAxis *axis) {
    const QString format = axis->labelFormat().trimmed();
    return format == QLatin1String("%d") || format == QLatin1String("%i");
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
    chart->setLocalizeNumbers(true);
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
    axis->setLabelFormat(QStringLiteral("%d"));
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    const auto follow = [axis](qreal min, qreal max) {
        const double step = wholeStep(max - min);
        if (axis->tickInterval() != step)
            axis->setTickInterval(step);
        // Minor ticks between whole numbers would only be noise.
        axis->setMinorTickCount(0);
    };
    follow(axis->min(), axis->max());
    QObject::connect(axis, &QValueAxis::rangeChanged, axis, follow);
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
