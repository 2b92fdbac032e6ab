#include "StreamBrowserModel.h"

#include "ValueFormat.h"

#include <QFontDatabase>

#include <algorithm>

namespace streamscope {

int StreamBrowserModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StreamBrowserModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StreamEntry &e = entry(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn:
            return e.id.toString();
        case TimeColumn:
            return e.id.timeText(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        case FieldsColumn:
            return valueformat::entrySummary(e, 300);
        }
        break;
    case Qt::FontRole:
        if (index.column() == IdColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case EntryRole:
        return QVariant::fromValue(e);
    }
    return {};
}

QVariant StreamBrowserModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *names[] = {"ID", "Added", "Fields"};
    return tr(names[section]);
}

void StreamBrowserModel::fetchMore(const QModelIndex &parent) {
    if (canFetchMore(parent))
        request(PageStart::olderThan(rows().last().id));
}

void StreamBrowserModel::fetchOlder() {
    if (!canFetchOlder())
        return;
    if (!rows().isEmpty())
        request(PageStart::olderThan(rows().last().id));
    else
        request(m_anchor.isZero() && m_atNewest ? PageStart::newest()
                                                : PageStart::atOrBefore(m_anchor));
}

void StreamBrowserModel::fetchNewer() {
    if (!canFetchNewer())
        return;
    request(PageStart::newerThan(rows().isEmpty() ? m_anchor : rows().first().id));
}

void StreamBrowserModel::request(const PageStart &start) {
    m_asked = start;
    Q_EMIT pageWanted(markLoading(), m_stream, int(start.kind), start.id.ms, start.id.seq,
                      pageSize);
}

void StreamBrowserModel::open(const QByteArray &stream, const PageStart &start) {
    m_stream = stream;
    m_anchor = start.id;
    // Until an answer says otherwise: a page from the newest entry or back from a moment has
    // nothing newer to show (from a moment, newer entries are offered by fetchNewer()).
    m_atNewest = start.kind == PageStart::Kind::Newest;
    restart(false);
    request(start);
}

void StreamBrowserModel::addPage(int request, const StreamEntryList &page, const QString &error) {
    switch (m_asked.kind) {
    case PageStart::Kind::NewerThan: {
        if (!acceptPageAtTop(request, page))
            return;
        if (error.isEmpty())
            m_atNewest = page.size() < pageSize;
        break;
    }
    case PageStart::Kind::Around: {
        if (!acceptPage(request, page, pageSize))
            return;
        // The answer is the newer part then the older part: each side ended when it came
        // back short.
        const qsizetype newer = std::count_if(
            page.begin(), page.end(), [&](const StreamEntry &e) { return m_asked.id < e.id; });
        m_atNewest = error.isEmpty() && newer < pageSize - olderShare(pageSize);
        setAtEnd(!error.isEmpty() || page.size() - newer < olderShare(pageSize));
        break;
    }
    default:
        if (!acceptPage(request, page, pageSize))
            return;
        break;
    }
    if (!error.isEmpty())
        Q_EMIT failed(error);
    Q_EMIT pageLoaded(rowCount(), atEnd());
}

void StreamBrowserModel::removeEntries(const QByteArray &stream, const QList<QByteArray> &ids) {
    if (stream != m_stream)
        return;
    for (const QByteArray &id : ids) {
        const StreamId target = StreamId::fromServer(id);
        for (int row = 0; row < rowCount(); ++row)
            if (entry(row).id == target) {
                removeRowAt(row);
                break;
            }
    }
}

bool EntryFilterProxy::setFilter(const QByteArray &field, const QString &value, Mode mode,
                                 QString *error) {
    if (mode == Mode::Regex && !value.isEmpty()) {
        QRegularExpression regex(value);
        if (!regex.isValid()) {
            *error = tr("the regular expression is not valid: %1 (at %2)")
                         .arg(regex.errorString())
                         .arg(regex.patternErrorOffset());
            return false;
        }
        m_regex = regex;
    }
    m_field = field;
    m_value = value;
    m_mode = mode;
    invalidateRowsFilter();
    return true;
}

bool EntryFilterProxy::filterAcceptsRow(int row, const QModelIndex &parent) const {
    if (!isActive())
        return true;
    const auto *model = static_cast<const StreamBrowserModel *>(sourceModel());
    const StreamEntry &e = model->entry(row);
    bool match = false;
    e.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (match || (!m_field.isEmpty() && name != m_field))
            return;
        if (m_value.isEmpty()) {
            match = true;
            return;
        }
        const QString text = valueformat::displayText(value);
        switch (m_mode) {
        case Mode::Contains:
            match = text.contains(m_value, Qt::CaseInsensitive);
            break;
        case Mode::Equals:
            match = text == m_value;
            break;
        case Mode::Regex:
            match = m_regex.match(text).hasMatch();
            break;
        }
    });
    Q_UNUSED(parent);
    return match;
}

} // namespace streamscope
