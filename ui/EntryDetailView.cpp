#include "EntryDetailView.h"

#include "ValueFormat.h"

#include <QLocale>

namespace streamscope {

EntryDetailView::EntryDetailView(QWidget *parent)
    : QTextBrowser(parent) {
    setOpenLinks(false);
    clearEntry();
}

void EntryDetailView::clearEntry() {
    setHtml(QStringLiteral("<p style='color:gray'>%1</p>")
                .arg(tr("Select an event to see its fields.").toHtmlEscaped()));
}

void EntryDetailView::showEntry(const StreamEntry &entry) {
    QString html;
    html +=
        QStringLiteral("<h3>%1</h3>").arg(valueformat::displayText(entry.stream).toHtmlEscaped());
    html += QStringLiteral("<p><tt>%1</tt> &nbsp; %2</p>")
                .arg(entry.id.toString(),
                     entry.id.timestamp().toString(Qt::ISODateWithMs).toHtmlEscaped());
    if (entry.deleted)
        html += QStringLiteral("<p><i>%1</i></p>")
                    .arg(tr("This entry was deleted from the stream.").toHtmlEscaped());
    html += QStringLiteral("<table cellspacing='0' cellpadding='4' width='100%'>");
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        const bool cut = value.size() > maxShownBytes;
        const QByteArrayView shown = cut ? value.first(maxShownBytes) : value;
        QString text;
        if (!cut)
            if (auto json = valueformat::prettyJson(shown))
                text = *json;
        if (text.isEmpty())
            text = valueformat::displayText(shown);
        QString note;
        if (cut)
            note = QStringLiteral("<br><i>%1</i>")
                       .arg(tr("showing the first %1 of %2 bytes")
                                .arg(QLocale().toString(maxShownBytes),
                                     QLocale().toString(value.size()))
                                .toHtmlEscaped());
        html +=
            QStringLiteral("<tr><td valign='top'><b>%1</b></td>"
                           "<td><pre style='margin:0'>%2</pre>%3</td></tr>")
                .arg(valueformat::displayText(name).toHtmlEscaped(), text.toHtmlEscaped(), note);
    });
    html += QStringLiteral("</table>");
    setHtml(html);
}

} // namespace streamscope
