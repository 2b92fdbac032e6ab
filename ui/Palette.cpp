#include "Palette.h"

#include <QGuiApplication>

namespace streamscope {

bool isDarkPalette(const QPalette &palette) {
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

QColor toneColour(Tone tone, const QPalette &palette) {
    const bool dark = isDarkPalette(palette);
    switch (tone) {
    case Tone::Ok:
        return dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x2e, 0x7d, 0x32);
    case Tone::Warning:
        return dark ? QColor(0xff, 0xb7, 0x4d) : QColor(0xb2, 0x5e, 0x00);
    case Tone::Critical:
        return dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xc6, 0x28, 0x28);
    case Tone::Muted:
        return palette.color(QPalette::Disabled, QPalette::WindowText);
    case Tone::Accent:
        return palette.color(QPalette::Link);
    }
    return palette.color(QPalette::WindowText);
}

Tone severityTone(Severity severity) {
    switch (severity) {
    case Severity::Ok:
        return Tone::Ok;
    case Severity::Warning:
        return Tone::Warning;
    case Severity::Critical:
        return Tone::Critical;
    }
    return Tone::Muted;
}

QColor toneColour(Tone tone) {
    return toneColour(tone, QGuiApplication::palette());
}

QString toneStyle(Tone tone) {
    return QStringLiteral("color:%1").arg(toneColour(tone).name());
}

QString toneHtml(Tone tone, const QString &text, bool bold) {
    return QStringLiteral("<span style='color:%1%2'>%3</span>")
        .arg(toneColour(tone).name(), bold ? QStringLiteral(";font-weight:bold") : QString(),
             text.toHtmlEscaped());
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2b, 0x2b, 0x2e), base(0x1e, 0x1e, 0x21), text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8a, 0x8a));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x6e, 0x6e));
    p.setColor(QPalette::Link, QColor(0x6c, 0xb4, 0xff));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xb8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x45, 0x45, 0x48));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x3a, 0x3d));
    p.setColor(QPalette::Mid, QColor(0x24, 0x24, 0x26));
    p.setColor(QPalette::Dark, QColor(0x18, 0x18, 0x1a));
    p.setColor(QPalette::Shadow, Qt::black);
    const QColor disabled(0x7c, 0x7c, 0x7c);
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

QPalette lightPalette() {
    QPalette p(QColor(0xef, 0xef, 0xef));
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::Text, Qt::black);
    p.setColor(QPalette::WindowText, Qt::black);
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x9a, 0x9a, 0x9a));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x9a, 0x9a, 0x9a));
    return p;
}

QColor seriesColour(int index, const QPalette &palette) {
    // Tableau-like hues, lighter on a dark base.
    static const QRgb light[] = {0x1f77b4, 0xd62728, 0x2ca02c, 0xff7f0e, 0x9467bd, 0x8c564b,
                                 0xe377c2, 0x17becf, 0xbcbd22, 0x393b79, 0x7f7f7f, 0xad494a};
    static const QRgb dark[] = {0x6baed6, 0xff8a80, 0x98df8a, 0xffbb78, 0xc5b0d5, 0xc49c94,
                                0xf7b6d2, 0x9edae5, 0xdbdb8d, 0x9c9ede, 0xc7c7c7, 0xe7969c};
    const int n = int(sizeof(light) / sizeof(light[0]));
    const int i = ((index % n) + n) % n;
    return QColor(isDarkPalette(palette) ? dark[i] : light[i]);
}

} // namespace streamscope
