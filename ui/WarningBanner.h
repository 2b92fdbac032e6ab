#pragma once

#include <QFrame>

class QLabel;

namespace streamscope {

// A warning above a view that stays while it holds ("a node is not answering: ..."), in the
// system palette's note colours with the style's warning icon; hidden while its text is empty.
class WarningBanner : public QFrame {
    Q_OBJECT
public:
    explicit WarningBanner(QWidget *parent = nullptr);
    void setText(const QString &text, const QString &toolTip = {});
    QString text() const;

private:
    QLabel *m_text;
};

} // namespace streamscope
