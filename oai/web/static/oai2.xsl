<?xml version="1.0" encoding="UTF-8"?>
<!--
  oaihub: renders every OAI-PMH 2.0 response of this repository as an HTML page, so that
  a person who opens the endpoint in a browser sees the records, sets and formats with
  links to browse on. Harvesters ignore the xml-stylesheet instruction.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:oai="http://www.openarchives.org/OAI/2.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
    xmlns:prov="http://www.openarchives.org/OAI/2.0/provenance"
    xmlns:oaiid="http://www.openarchives.org/OAI/2.0/oai-identifier"
    xmlns:friends="http://www.openarchives.org/OAI/2.0/friends/"
    exclude-result-prefixes="oai dc oai_dc prov oaiid friends">

  <xsl:output method="html" encoding="UTF-8" indent="yes"/>

  <xsl:variable name="base" select="/oai:OAI-PMH/oai:request/text()"/>
  <xsl:variable name="verb" select="/oai:OAI-PMH/oai:request/@verb"/>
  <xsl:variable name="prefix" select="/oai:OAI-PMH/oai:request/@metadataPrefix"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <title>OAI-PMH <xsl:value-of select="$verb"/></title>
        <link rel="stylesheet" href="oai/static/oai2.css"/>
      </head>
      <body>
        <h1>OAI-PMH 2.0 <small><xsl:value-of select="$verb"/></small></h1>
        <nav>
          <a href="?verb=Identify">Identify</a>
          <a href="?verb=ListMetadataFormats">Formats</a>
          <a href="?verb=ListSets">Sets</a>
          <a href="?verb=ListIdentifiers&amp;metadataPrefix=oai_dc">Identifiers</a>
          <a href="?verb=ListRecords&amp;metadataPrefix=oai_dc">Records</a>
        </nav>
        <p>Request to <code><xsl:value-of select="$base"/></code>
          <xsl:for-each select="/oai:OAI-PMH/oai:request/@*">
            <xsl:text> </xsl:text><code><xsl:value-of select="name()"/>=<xsl:value-of select="."/></code>
          </xsl:for-each>
          at <xsl:value-of select="/oai:OAI-PMH/oai:responseDate"/>.
        </p>
        <xsl:apply-templates select="/oai:OAI-PMH/oai:error"/>
        <xsl:apply-templates select="/oai:OAI-PMH/oai:Identify | /oai:OAI-PMH/oai:ListMetadataFormats
            | /oai:OAI-PMH/oai:ListSets | /oai:OAI-PMH/oai:GetRecord
            | /oai:OAI-PMH/oai:ListIdentifiers | /oai:OAI-PMH/oai:ListRecords"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="oai:error">
    <div class="error">
      <strong>Error <code><xsl:value-of select="@code"/></code></strong>:
      <xsl:value-of select="."/>
    </div>
  </xsl:template>

  <!-- Identify -->
  <xsl:template match="oai:Identify">
    <h2>Repository</h2>
    <table>
      <tr><th>Repository name</th><td><xsl:value-of select="oai:repositoryName"/></td></tr>
      <tr><th>Base URL</th><td><xsl:value-of select="oai:baseURL"/></td></tr>
      <tr><th>Protocol version</th><td><xsl:value-of select="oai:protocolVersion"/></td></tr>
      <xsl:for-each select="oai:adminEmail">
        <tr><th>Administrator</th>
          <td><a href="mailto:{.}"><xsl:value-of select="."/></a></td></tr>
      </xsl:for-each>
      <tr><th>Earliest datestamp</th><td><xsl:value-of select="oai:earliestDatestamp"/></td></tr>
      <tr><th>Deleted records</th><td><xsl:value-of select="oai:deletedRecord"/></td></tr>
      <tr><th>Granularity</th><td><xsl:value-of select="oai:granularity"/></td></tr>
      <xsl:for-each select="oai:compression">
        <tr><th>Compression</th><td><xsl:value-of select="."/></td></tr>
      </xsl:for-each>
      <xsl:for-each select="oai:description/oaiid:oai-identifier">
        <tr><th>Repository identifier</th>
          <td><xsl:value-of select="oaiid:repositoryIdentifier"/>
            (e.g. <code><xsl:value-of select="oaiid:sampleIdentifier"/></code>)</td></tr>
      </xsl:for-each>
      <xsl:for-each select="oai:description/friends:friends/friends:baseURL">
        <tr><th>Friend</th>
          <td><a href="{.}?verb=Identify"><xsl:value-of select="."/></a></td></tr>
      </xsl:for-each>
    </table>
  </xsl:template>

  <!-- ListMetadataFormats -->
  <xsl:template match="oai:ListMetadataFormats">
    <h2>Metadata formats</h2>
    <table>
      <tr><th>Prefix</th><th>Namespace</th><th>Schema</th></tr>
      <xsl:for-each select="oai:metadataFormat">
        <tr>
          <td><a href="?verb=ListRecords&amp;metadataPrefix={oai:metadataPrefix}">
            <xsl:value-of select="oai:metadataPrefix"/></a></td>
          <td><code><xsl:value-of select="oai:metadataNamespace"/></code></td>
          <td><a href="{oai:schema}"><xsl:value-of select="oai:schema"/></a></td>
        </tr>
      </xsl:for-each>
    </table>
  </xsl:template>

  <!-- ListSets -->
  <xsl:template match="oai:ListSets">
    <h2>Sets</h2>
    <table>
      <tr><th>Set</th><th>Name and description</th></tr>
      <xsl:for-each select="oai:set">
        <tr>
          <td><a href="?verb=ListRecords&amp;metadataPrefix=oai_dc&amp;set={oai:setSpec}">
            <code><xsl:value-of select="oai:setSpec"/></code></a></td>
          <td><xsl:value-of select="oai:setName"/>
            <xsl:for-each select="oai:setDescription//dc:description">
              <br/><small><xsl:value-of select="."/></small>
            </xsl:for-each>
          </td>
        </tr>
      </xsl:for-each>
    </table>
    <xsl:apply-templates select="oai:resumptionToken"/>
  </xsl:template>

  <!-- GetRecord, ListRecords, ListIdentifiers -->
  <xsl:template match="oai:GetRecord">
    <h2>Record</h2>
    <xsl:apply-templates select="oai:record"/>
  </xsl:template>

  <xsl:template match="oai:ListRecords">
    <h2>Records</h2>
    <xsl:apply-templates select="oai:record"/>
    <xsl:apply-templates select="oai:resumptionToken"/>
  </xsl:template>

  <xsl:template match="oai:ListIdentifiers">
    <h2>Identifiers</h2>
    <xsl:for-each select="oai:header">
      <div class="record"><xsl:apply-templates select="."/></div>
    </xsl:for-each>
    <xsl:apply-templates select="oai:resumptionToken"/>
  </xsl:template>

  <xsl:template match="oai:record">
    <div class="record">
      <xsl:apply-templates select="oai:header"/>
      <xsl:apply-templates select="oai:metadata"/>
      <xsl:apply-templates select="oai:about"/>
    </div>
  </xsl:template>

  <xsl:template match="oai:header">
    <xsl:variable name="format">
      <xsl:choose>
        <xsl:when test="$prefix"><xsl:value-of select="$prefix"/></xsl:when>
        <xsl:otherwise>oai_dc</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <table>
      <tr><th>Identifier</th>
        <xsl:variable name="id">
          <xsl:call-template name="query-value">
            <xsl:with-param name="text" select="oai:identifier"/>
          </xsl:call-template>
        </xsl:variable>
        <td><a href="?verb=GetRecord&amp;metadataPrefix={$format}&amp;identifier={$id}">
          <xsl:value-of select="oai:identifier"/></a>
          (<a href="?verb=ListMetadataFormats&amp;identifier={$id}">formats</a>)
          <xsl:if test="@status = 'deleted'"> <span class="deleted">deleted</span></xsl:if>
        </td></tr>
      <tr><th>Datestamp</th><td><xsl:value-of select="oai:datestamp"/></td></tr>
      <xsl:if test="oai:setSpec">
        <tr><th>Sets</th><td>
          <xsl:for-each select="oai:setSpec">
            <a href="?verb=ListRecords&amp;metadataPrefix={$format}&amp;set={.}">
              <code><xsl:value-of select="."/></code></a>
            <xsl:text> </xsl:text>
          </xsl:for-each>
        </td></tr>
      </xsl:if>
    </table>
  </xsl:template>

  <xsl:template match="oai:metadata">
    <table>
      <xsl:for-each select="oai_dc:dc/*">
        <tr><th>dc:<xsl:value-of select="local-name()"/></th>
          <td>
            <xsl:choose>
              <xsl:when test="starts-with(., 'http://') or starts-with(., 'https://')">
                <a href="{.}"><xsl:value-of select="."/></a>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
            </xsl:choose>
          </td></tr>
      </xsl:for-each>
      <xsl:if test="not(oai_dc:dc)">
        <tr><th>Metadata</th>
          <td><pre class="xml"><xsl:apply-templates select="*" mode="xml"/></pre></td></tr>
      </xsl:if>
    </table>
  </xsl:template>

  <!-- Any other format (MODS, MARCXML, the native format, ...) as indented XML text:
       one element a line, two spaces a level; text-only elements on one line. -->
  <xsl:template match="*" mode="xml">
    <xsl:param name="indent" select="''"/>
    <xsl:value-of select="$indent"/>
    <xsl:text>&lt;</xsl:text><xsl:value-of select="name()"/>
    <xsl:if test="not(parent::*) or namespace-uri() != namespace-uri(..)">
      <xsl:text> xmlns</xsl:text>
      <xsl:if test="contains(name(), ':')">
        <xsl:text>:</xsl:text><xsl:value-of select="substring-before(name(), ':')"/>
      </xsl:if>
      <xsl:text>="</xsl:text><xsl:value-of select="namespace-uri()"/><xsl:text>"</xsl:text>
    </xsl:if>
    <xsl:for-each select="@*">
      <xsl:text> </xsl:text><xsl:value-of select="name()"/><xsl:text>="</xsl:text>
      <xsl:value-of select="."/><xsl:text>"</xsl:text>
    </xsl:for-each>
    <xsl:choose>
      <xsl:when test="not(node())"><xsl:text>/&gt;&#10;</xsl:text></xsl:when>
      <xsl:when test="not(*)">
        <xsl:text>&gt;</xsl:text><xsl:value-of select="."/>
        <xsl:text>&lt;/</xsl:text><xsl:value-of select="name()"/><xsl:text>&gt;&#10;</xsl:text>
      </xsl:when>
      <xsl:otherwise>
        <xsl:text>&gt;&#10;</xsl:text>
        <xsl:apply-templates select="* | text()[normalize-space()]" mode="xml">
          <xsl:with-param name="indent" select="concat($indent, '  ')"/>
        </xsl:apply-templates>
        <xsl:value-of select="$indent"/>
        <xsl:text>&lt;/</xsl:text><xsl:value-of select="name()"/><xsl:text>&gt;&#10;</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="text()" mode="xml">
    <xsl:param name="indent" select="''"/>
    <xsl:value-of select="$indent"/><xsl:value-of select="normalize-space()"/>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="oai:about">
    <xsl:for-each select=".//prov:originDescription">
      <xsl:variable name="id">
        <xsl:call-template name="query-value">
          <xsl:with-param name="text" select="prov:identifier"/>
        </xsl:call-template>
      </xsl:variable>
      <p><small>Harvested <xsl:value-of select="@harvestDate"/> from
        <a href="{prov:baseURL}?verb=GetRecord&amp;metadataPrefix=oai_dc&amp;identifier={$id}">
          <xsl:value-of select="prov:identifier"/></a>
        at <xsl:value-of select="prov:baseURL"/>.</small></p>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="oai:resumptionToken">
    <p class="token">
      <xsl:if test="@cursor">
        Records <xsl:value-of select="@cursor + 1"/> to
        <xsl:value-of select="@cursor + count(../oai:record | ../oai:header | ../oai:set)"/>
        <xsl:if test="@completeListSize"> of <xsl:value-of select="@completeListSize"/></xsl:if>.
      </xsl:if>
      <xsl:if test="normalize-space(.) != ''">
        <xsl:variable name="token">
          <xsl:call-template name="query-value">
            <xsl:with-param name="text" select="normalize-space(.)"/>
          </xsl:call-template>
        </xsl:variable>
        <a href="?verb={$verb}&amp;resumptionToken={$token}">Next page</a>
        <xsl:if test="@expirationDate">
          <small> (link valid until <xsl:value-of select="@expirationDate"/>)</small>
        </xsl:if>
      </xsl:if>
    </p>
  </xsl:template>

  <!-- A value for a URL query (XSLT 1.0 has no encode-for-uri): the characters that
       would end or change the value are percent-encoded, the rest left as they are. -->
  <xsl:variable name="query-unsafe" select="'%&amp;+#?= &quot;&lt;&gt;'"/>
  <xsl:variable name="query-codes" select="'%25%26%2B%23%3F%3D%20%22%3C%3E'"/>
  <xsl:template name="query-value">
    <xsl:param name="text"/>
    <xsl:choose>
      <xsl:when test="translate($text, $query-unsafe, '') = $text">
        <xsl:value-of select="$text"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="c" select="substring($text, 1, 1)"/>
        <xsl:choose>
          <xsl:when test="contains($query-unsafe, $c)">
            <xsl:value-of select="substring($query-codes,
                3 * string-length(substring-before($query-unsafe, $c)) + 1, 3)"/>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="$c"/></xsl:otherwise>
        </xsl:choose>
        <xsl:call-template name="query-value">
          <xsl:with-param name="text" select="substring($text, 2)"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
