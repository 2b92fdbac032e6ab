#include "DemoBanner.h"

#include "Wording.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

#include <csignal>

namespace streamscope {

namespace {

QString signalName(int number) {
    switch (number) {
    case SIGKILL:
        return QStringLiteral("SIGKILL");
    case SIGTERM:
        return QStringLiteral("SIGTERM");
    case SIGINT:
        return QStringLiteral("SIGINT");
    case SIGSEGV:
        return QStringLiteral("SIGSEGV");
    case SIGABRT:
        return QStringLiteral("SIGABRT");
    case SIGBUS:
        return QStringLiteral("SIGBUS");
    case SIGHUP:
        return QStringLiteral("SIGHUP");
    default:
        return {};
    }
}

QString lastLine(const QString &output) {
    const QStringList lines = output.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (lines.isEmpty())
        return {};
    QString line = lines.last().trimmed();
    constexpr int maxChars = 160; // the whole of it is in the tooltip
    if (line.size() > maxChars)
        line = line.left(maxChars - 1) + QChar(0x2026);
    return line;
}

} // namespace

DemoBanner::DemoBanner(QWidget *parent)
    : QFrame(parent)
    , m_rows(new QVBoxLayout(this)) {
    setObjectName(QStringLiteral("demoBanner"));
    setFrameShape(QFrame::StyledPanel);
    // As WarningBanner: the tooltip roles are the palette's "note" colours, readable in light
    // and dark themes.
    setBackgroundRole(QPalette::ToolTipBase);
    setForegroundRole(QPalette::ToolTipText);
    setAutoFillBackground(true);
    m_rows->setContentsMargins(6, 4, 6, 4);
    m_rows->setSpacing(4);
    hide();
}

QString DemoBanner::describe(const Item &item) {
    QString how;
    if (item.crashed) {
        const QString name = signalName(item.exitCode);
        how = name.isEmpty() ? QStringLiteral("killed by signal %1").arg(item.exitCode)
                             : QStringLiteral("killed by ") + name;
    } else {
        how = QStringLiteral("exit code %1").arg(item.exitCode);
    }
    how += QStringLiteral(" at ") + formatClock(item.atMs);
    // A SIGKILLed server wrote nothing at its end: its log's last line ("ready to accept
    // connections") would only mislead. (The tooltip has the log.)
    // The planned crash's own words ("crashing after 43 messages, as asked") repeat the row.
    const bool silent = (item.server && item.crashed && item.exitCode == SIGKILL) || item.planned;
    const QString last = silent ? QString() : lastLine(item.lastOutput);
    if (!last.isEmpty())
        how += (item.server ? QStringLiteral("; its log ends: ")
                            : QStringLiteral("; its last output: "))
               + last;

    QString what;
    if (item.clusterNode)
        what = QStringLiteral("The demo cluster's node on port %1").arg(item.port);
    else if (item.server)
        what = QStringLiteral("The demo's private Redis server (port %1)").arg(item.port);
    else if (item.name == item.program || item.program.isEmpty())
        what = QStringLiteral("The demo's %1").arg(item.name);
    else
        what = QStringLiteral("The demo's %1 (%2)").arg(item.program, item.name);

    if (item.planned)
        return QStringLiteral(
                   "%1 crashed as the demo plans, to show a dead consumer (%2); it comes "
                   "back by itself at %3.")
            .arg(what, how, formatClock(item.restartAtMs));
    QString text = QStringLiteral("%1 stopped (%2).").arg(what, how);
    if (item.deaths > 1)
        text += QStringLiteral(" It has stopped %1 since the demo started.")
                    .arg(countOf(item.deaths, "time", "times"));
    // A cluster goes on without one node (a replica takes over a primary's slots).
    if (item.clusterNode)
        text += QStringLiteral(" Started again, it rejoins the cluster.");
    else if (item.server)
        text += QStringLiteral(" Until it is back the window shows what it saw last.");
    if (!item.restartError.isEmpty())
        text += QStringLiteral(" Restarting it failed: ") + item.restartError;
    return text;
}

void DemoBanner::setItems(const QList<Item> &items) {
    m_items = items;
    while (QLayoutItem *row = m_rows->takeAt(0)) {
        if (QWidget *w = row->widget())
            w->deleteLater();
        delete row;
    }
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize);
    const QPixmap warning =
        style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(iconSize, iconSize);
    for (const Item &item : items) {
        auto *row = new QWidget;
        row->setObjectName(QStringLiteral("demoStopped:") + item.name);
        auto *layout = new QHBoxLayout(row);
        layout->setContentsMargins(0, 0, 0, 0);
        auto *icon = new QLabel;
        icon->setPixmap(warning);
        icon->setAlignment(Qt::AlignTop);
        auto *label = new QLabel(describe(item));
        label->setTextFormat(Qt::PlainText);
        label->setWordWrap(true);
        label->setForegroundRole(QPalette::ToolTipText);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        if (!item.lastOutput.isEmpty())
            label->setToolTip((item.server ? QStringLiteral("The end of its log:\n")
                                           : QStringLiteral("Its last output:\n"))
                              + item.lastOutput);
        auto *button = new QPushButton(item.planned ? tr("Restart it now") : tr("Restart it"));
        button->setObjectName(QStringLiteral("restart:") + item.name);
        button->setToolTip(item.server ? tr("Start the redis-server again on port %1 with its "
                                            "data; connections to it recover by themselves")
                                             .arg(item.port)
                                       : tr("Start %1 again").arg(item.name));
        const QString name = item.name;
        connect(button, &QPushButton::clicked, this, [this, button, name] {
            button->setEnabled(false); // until the next setItems: one restart per click
            Q_EMIT restartRequested(name);
        });
        layout->addWidget(icon);
        layout->addWidget(label, 1);
        layout->addWidget(button, 0, Qt::AlignTop);
        m_rows->addWidget(row);
    }
    setVisible(!items.isEmpty());
}

QString DemoBanner::text() const {
    QStringList lines;
    for (const Item &item : m_items)
        lines << describe(item);
    return lines.join(QLatin1Char('\n'));
}

} // namespace streamscope
