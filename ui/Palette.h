#pragma once

#include "Health.h"

#include <QColor>
#include <QPalette>
#include <QString>

namespace streamscope {

// Status colours that read on the palette in use (light or dark): never a hard-coded "#c62828"
// in a view. Critical/Warning/Ok are tuned per background lightness; Muted is the palette's
// disabled text (greyed, not current).
enum class Tone { Ok, Warning, Critical, Muted, Accent };

// The tone a health finding's severity is shown in.
Tone severityTone(Severity severity);
QColor toneColour(Tone tone, const QPalette &palette);
QColor toneColour(Tone tone); // the application's palette
// "color:#rrggbb" for a style sheet.
QString toneStyle(Tone tone);
// "<span style='color:#rrggbb'>text</span>" (text is escaped).
QString toneHtml(Tone tone, const QString &text, bool bold = false);
// True when the palette's window is dark (its lightness below half).
bool isDarkPalette(const QPalette &palette);

// Fusion palettes for --palette dark|light: the same everywhere, whatever the desktop says.
QPalette darkPalette();
QPalette lightPalette();

// Up to 12 series colours, distinct from each other and readable on the palette's base; index
// wraps around, so callers with more series must also vary the pen (ChartTheme does).
QColor seriesColour(int index, const QPalette &palette);

} // namespace streamscope
