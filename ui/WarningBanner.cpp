#include "WarningBanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>

namespace streamscope {

WarningBanner::WarningBanner(QWidget *parent)
    : QFrame(parent)
    , m_text(new QLabel) {
    setFrameShape(QFrame::StyledPanel);
    // The tooltip roles are the palette's "note" colours: readable in light and dark themes.
    setBackgroundRole(QPalette::ToolTipBase);
    setForegroundRole(QPalette::ToolTipText);
    setAutoFillBackground(true);
    auto *icon = new QLabel;
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(size, size));
    icon->setAlignment(Qt::AlignTop);
    m_text->setTextFormat(Qt::PlainText);
    m_text->setWordWrap(true);
    m_text->setForegroundRole(QPalette::ToolTipText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->addWidget(icon);
    layout->addWidget(m_text, 1);
    hide();
}

void WarningBanner::setText(const QString &text, const QString &toolTip) {
    m_text->setText(text);
    setToolTip(toolTip);
    setVisible(!text.isEmpty());
}

QString WarningBanner::text() const {
    return m_text->text();
}

} // namespace streamscope
