#include "EntryDetailView.h"

#include "ValueDialog.h"
#include "ValueFormat.h"

#include <QContextMenuEvent>
#include <QLocale>
#include <QMenu>

#include <memory>

namespace streamscope {

EntryDetailView::EntryDetailView(QWidget *parent)
    : QTextBrowser(parent) {
    setOpenLinks(false);
    connect(this, &QTextBrowser::anchorClicked, this, [this](const QUrl &url) {
        if (url.scheme() == QLatin1String("value"))
            openValue(url.path().toInt());
    });
    clearEntry();
}

void EntryDetailView::clearEntry() {
    m_entry.reset();
    setHtml(QStringLiteral("<p style='color:gray'>%1</p>")
                .arg(tr("Select an event to see its fields.").toHtmlEscaped()));
}

void EntryDetailView::contextMenuEvent(QContextMenuEvent *event) {
    std::unique_ptr<QMenu> menu(createStandardContextMenu(event->pos()));
    QMenu *formats = menu->addMenu(tr("Show values as"));
    const QList<QPair<QString, valueformat::Format>> choices{
        {tr("Automatic (JSON, text, MessagePack or hex)"), valueformat::Format::Auto},
        {tr("Text"), valueformat::Format::Text},
        {tr("JSON"), valueformat::Format::Json},
        {tr("MessagePack (as JSON)"), valueformat::Format::MessagePack},
        {tr("Hex"), valueformat::Format::Hex}};
    for (const auto &[label, format] : choices) {
        QAction *a = formats->addAction(label);
        a->setCheckable(true);
        a->setChecked(m_format == format);
        connect(a, &QAction::triggered, this, [this, f = format] { setFormat(f); });
    }
    menu->exec(event->globalPos());
}

ValueDialog *EntryDetailView::openValue(int field) {
    if (!m_entry || field < 0 || field >= m_entry->fieldCount())
        return nullptr;
    auto *dialog = new ValueDialog(tr("%1 of %2 %3")
                                       .arg(valueformat::singleLine(m_entry->fieldName(field), 60),
                                            valueformat::singleLine(m_entry->stream, 60),
                                            QString::fromLatin1(m_entry->id.toByteArray())),
                                   m_entry->fieldValue(field).toByteArray(), m_format, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void EntryDetailView::setFormat(valueformat::Format format) {
    m_format = format;
    render();
}

void EntryDetailView::showEntry(const StreamEntry &entry) {
    m_entry = entry;
    render();
}

void EntryDetailView::render() {
    if (!m_entry)
        return;
    const StreamEntry &entry = *m_entry;
    QString html;
    html +=
        QStringLiteral("<h3>%1</h3>").arg(valueformat::displayText(entry.stream).toHtmlEscaped());
    html += QStringLiteral("<p><tt>%1</tt> &nbsp; %2</p>")
                .arg(entry.id.toString(), entry.id.timeText(Qt::ISODateWithMs).toHtmlEscaped());
    if (entry.deleted)
        html += QStringLiteral("<p><i>%1</i></p>")
                    .arg(tr("This entry was deleted from the stream.").toHtmlEscaped());
    html += QStringLiteral("<table cellspacing='0' cellpadding='4' width='100%'>");
    int field = 0;
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        const QString text = valueformat::formatValue(value, m_format, maxShownBytes);
        QString note;
        if (value.size() > maxShownBytes)
            note = QStringLiteral("<br><i>%1</i> <a href='value:%2'>%3</a>")
                       .arg(tr("showing the first %1 of %2 bytes")
                                .arg(QLocale().toString(maxShownBytes),
                                     QLocale().toString(value.size()))
                                .toHtmlEscaped())
                       .arg(field)
                       .arg(tr("Open the whole value"));
        else if (value.size() > 80 || text.contains(QLatin1Char('\n')))
            note = QStringLiteral("<br><a href='value:%1'>%2</a>").arg(field).arg(tr("open"));
        if (value.size() <= maxShownBytes && !valueformat::isUtf8(value)
            && (m_format == valueformat::Format::MessagePack
                || (m_format == valueformat::Format::Auto
                    && valueformat::detectFormat(value) == valueformat::Format::MessagePack)))
            note = QStringLiteral("<br><i>%1</i>").arg(tr("MessagePack, shown as JSON")) + note;
        ++field;
        html +=
            QStringLiteral("<tr><td valign='top'><b>%1</b></td>"
                           "<td><pre style='margin:0'>%2</pre>%3</td></tr>")
                .arg(valueformat::displayText(name).toHtmlEscaped(), text.toHtmlEscaped(), note);
    });
    html += QStringLiteral("</table>");
    setHtml(html);
}

} // namespace streamscope
