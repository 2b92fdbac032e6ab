#pragma once

#include <QChart>
#include <QGuiApplication>
#include <QPalette>

namespace streamscope {

// Charts follow the system palette: Qt Charts' dark theme on a dark desktop, light otherwise
// (a chart does not read the palette by itself). Keeps the chart's own choices of legend and
// axes.
inline void followPalette(QChart *chart) {
    const bool dark = QGuiApplication::palette().color(QPalette::Window).lightness() < 128;
    const QChart::ChartTheme theme = dark ? QChart::ChartThemeDark : QChart::ChartThemeLight;
    if (chart->theme() != theme)
        chart->setTheme(theme);
    chart->setBackgroundBrush(QGuiApplication::palette().brush(QPalette::Base));
}

} // namespace streamscope
